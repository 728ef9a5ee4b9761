package raftkv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class WireTest {

    @Test
    void thePrefixEndIsThePrefixWithItsLastIncrementableByteIncremented() {
        assertArrayEquals(new byte[] {'a', 'c'}, Wire.prefixEnd(new byte[] {'a', 'b'}));
        assertArrayEquals(new byte[] {'b'}, Wire.prefixEnd(new byte[] {'a', (byte) 0xff}));
        assertArrayEquals(new byte[] {0}, Wire.prefixEnd(new byte[] {(byte) 0xff, (byte) 0xff}));
        assertArrayEquals(new byte[] {0}, Wire.prefixEnd(new byte[0]));
    }

    @Test
    void anEmptyPrefixMeansEveryKey() {
        assertArrayEquals(new byte[] {0}, Wire.rangeStart(new byte[0], true));
        assertArrayEquals(new byte[0], Wire.rangeStart(new byte[0], false));
        assertEquals("AA==", GetOptions.DEFAULT.withPrefix().toJson(new byte[0]).get("range_end").asText());
    }

    @Test
    void int64FieldsAreReadAsStringsOrNumbersAndMissingOnesAreZero() throws Exception {
        var n = new ObjectMapper().readTree("{\"a\":\"9223372036854775807\",\"b\":12}");
        assertEquals(Long.MAX_VALUE, Wire.int64(n, "a"));
        assertEquals(12, Wire.int64(n, "b"));
        assertEquals(0, Wire.int64(n, "c"));
    }

    @Test
    void errorAnswersMapToTheirExceptions() {
        assertTrue(RaftKvException.of(400, 11, "etcdserver: mvcc: required revision has been compacted")
                instanceof RaftKvException.Compacted);
        assertTrue(RaftKvException.of(400, 11, "etcdserver: mvcc: required revision is a future revision")
                instanceof RaftKvException.FutureRevision);
        assertTrue(RaftKvException.of(404, 5, "etcdserver: requested lease not found")
                instanceof RaftKvException.LeaseNotFound);
        assertTrue(RaftKvException.of(429, 8, "etcdserver: mvcc: database space exceeded")
                instanceof RaftKvException.NoSpace);
        assertTrue(RaftKvException.of(503, 14, "etcdserver: request timed out") instanceof RaftKvException.Unavailable);
        assertTrue(RaftKvException.of(500, 13, "etcdserver: internal error") instanceof RaftKvException.Unavailable);
        RaftKvException bad = RaftKvException.of(400, 3, "field \"key\": required");
        assertTrue(bad instanceof RaftKvException.InvalidArgument);
        assertEquals(3, bad.code());
    }
}
