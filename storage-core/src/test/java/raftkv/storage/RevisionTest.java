package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RevisionTest {

    @Test
    void byteEncodingSortsLikeRevisions() {
        Random rnd = new Random(42);
        for (int i = 0; i < 100_000; i++) {
            Revision a = random(rnd);
            Revision b = random(rnd);
            int byRevision = Integer.signum(a.compareTo(b));
            int byBytes = Integer.signum(Arrays.compareUnsigned(Revision.toBytes(a.pack()), Revision.toBytes(b.pack())));
            assertEquals(byRevision, byBytes, a + " vs " + b);
            assertEquals(byRevision, Integer.signum(Long.compare(a.pack(), b.pack())), a + " vs " + b);
        }
    }

    @Test
    void aTombstoneSortsRightAfterThePutOfTheSameRevisionAndBeforeTheNext() {
        long r = new Revision(7, 3).pack();
        byte[] put = Revision.toBytes(r);
        byte[] tomb = Revision.toBytes(r, true);
        byte[] next = Revision.toBytes(new Revision(7, 4).pack());
        assertTrue(Arrays.compareUnsigned(put, tomb) < 0);
        assertTrue(Arrays.compareUnsigned(tomb, next) < 0);
        assertTrue(Revision.isTombstone(tomb));
        assertFalse(Revision.isTombstone(put));
        assertEquals(r, Revision.fromBytes(tomb));
    }

    @Test
    void roundTripsAtTheLimits() {
        for (Revision rev : new Revision[] {new Revision(0, 0), new Revision(Revision.MAX_MAIN, Revision.MAX_SUB),
                new Revision(1, Revision.MAX_SUB), new Revision(Revision.MAX_MAIN, 0)}) {
            assertEquals(rev, Revision.unpack(rev.pack()));
            assertEquals(rev.pack(), Revision.fromBytes(Revision.toBytes(rev.pack())));
            assertTrue(rev.pack() >= 0);
        }
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0x10, 0, 2}, Revision.toBytes(new Revision(1, 2).pack()));
    }

    @Test
    void refusesRevisionsThatDoNotFit() {
        assertThrows(IllegalArgumentException.class, () -> new Revision(Revision.MAX_MAIN + 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Revision(1, Revision.MAX_SUB + 1));
        assertThrows(IllegalArgumentException.class, () -> new Revision(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> Revision.fromBytes(new byte[5]));
    }

    private static Revision random(Random rnd) {
        long main = rnd.nextInt(4) == 0 ? rnd.nextInt(5) : (rnd.nextLong() >>> 1) % (Revision.MAX_MAIN + 1);
        long sub = rnd.nextInt(4) == 0 ? rnd.nextInt(3) : rnd.nextInt((int) Revision.MAX_SUB + 1);
        return new Revision(main, sub);
    }
}
