package raftkv.storage.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import raftkv.storage.Alarm;

class MetaTest {

    private static final Meta WITH_ALARMS = new Meta(3, 40, 17, 5, 6, 5,
            List.of(new Alarm(1, Alarm.Type.NOSPACE), new Alarm(4, Alarm.Type.CORRUPT)));

    @Test
    void metaWithAlarmsRoundTrips() {
        assertEquals(WITH_ALARMS, Meta.decode(WITH_ALARMS.encode()));
        assertEquals(Meta.INITIAL, Meta.decode(Meta.INITIAL.encode()));
    }

    /** A store written by raftkv 0.1 opens with no alarm. */
    @Test
    void theFormatBeforeAlarmsIsStillRead() {
        byte[] v1 = ByteBuffer.allocate(49).put((byte) 1).putLong(3).putLong(40).putLong(17).putLong(5).putLong(6)
                .putLong(5).array();
        assertEquals(new Meta(3, 40, 17, 5, 6, 5, List.of()), Meta.decode(v1));
    }

    @Test
    void theAuthStateTravelsInTheFullFormOnly() {
        Meta withAuth = WITH_ALARMS.withAuth(new byte[] {1, 2, 3});
        assertEquals(withAuth, Meta.decode(withAuth.encode()));
        assertEquals(WITH_ALARMS, Meta.decode(withAuth.encodeWithoutAuth()), "the backend keeps auth apart");
        byte[] lyingLength = withAuth.encode();
        ByteBuffer.wrap(lyingLength).putInt(lyingLength.length - 7, 4);
        assertThrows(IllegalStateException.class, () -> Meta.decode(lyingLength));
        byte[] truncated = Arrays.copyOf(withAuth.encode(), withAuth.encode().length - 1);
        assertThrows(IllegalStateException.class, () -> Meta.decode(truncated));
    }

    @Test
    void aDamagedRecordIsRefused() {
        byte[] good = WITH_ALARMS.encodeWithoutAuth();
        assertThrows(IllegalStateException.class, () -> Meta.decode(Arrays.copyOf(good, good.length - 1)));
        byte[] badKind = good.clone();
        badKind[badKind.length - 1] = 9;
        assertThrows(IllegalStateException.class, () -> Meta.decode(badKind));
        byte[] hugeCount = good.clone();
        ByteBuffer.wrap(hugeCount).putInt(49, Integer.MAX_VALUE);
        assertThrows(IllegalStateException.class, () -> Meta.decode(hugeCount));
        byte[] unknownFormat = good.clone();
        unknownFormat[0] = 4;
        assertThrows(IllegalStateException.class, () -> Meta.decode(unknownFormat));
    }
}
