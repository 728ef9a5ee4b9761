package raftkv.storage.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import raftkv.storage.KeyValue;
import raftkv.storage.Revision;

class RecordCodecTest {

    @Test
    void putRecordsRoundTrip() {
        Random rnd = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] key = new byte[1 + rnd.nextInt(300)];
            rnd.nextBytes(key);
            byte[] value = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(2000)];
            rnd.nextBytes(value);
            long mod = 1 + (rnd.nextLong() >>> 1) % Revision.MAX_MAIN;
            long create = 1 + (rnd.nextLong() >>> 1) % mod;
            long version = rnd.nextBoolean() ? 1 + rnd.nextInt(5) : rnd.nextLong() >>> 1;
            long lease = rnd.nextBoolean() ? 0 : rnd.nextLong();
            KeyValue kv = new KeyValue(key, create, mod, version, value, lease);
            long rev = Revision.pack(mod, rnd.nextInt(100));
            byte[] rec = RecordCodec.encodePut(kv);
            assertEquals(kv, RecordCodec.decode(rev, rec));
            assertArrayEquals(key, RecordCodec.keyOf(rec));
            assertEquals(lease, RecordCodec.leaseOf(rec));
            assertFalse(RecordCodec.isTombstone(rec));
        }
    }

    @Test
    void tombstonesCarryOnlyTheKey() {
        byte[] rec = RecordCodec.encodeTombstone(new byte[] {1, 2, 3});
        assertTrue(RecordCodec.isTombstone(rec));
        assertEquals(0, RecordCodec.leaseOf(rec));
        assertEquals(KeyValue.tombstone(new byte[] {1, 2, 3}, 9), RecordCodec.decode(Revision.pack(9, 1), rec));
    }
}
