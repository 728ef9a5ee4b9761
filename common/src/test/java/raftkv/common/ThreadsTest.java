package raftkv.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ThreadsTest {

    @Test
    void daemonNamesEveryThreadAlike() {
        ThreadFactory f = Threads.daemon("raftkv-test");
        Thread a = f.newThread(() -> { });
        Thread b = f.newThread(() -> { });
        assertEquals("raftkv-test", a.getName());
        assertEquals("raftkv-test", b.getName());
        assertTrue(a.isDaemon());
        assertTrue(b.isDaemon());
        assertFalse(a.isAlive(), "made, not started");
    }

    @Test
    void daemonPoolNumbersFromOnePerFactory() {
        ThreadFactory f = Threads.daemonPool("raftkv-pool");
        assertEquals("raftkv-pool-1", f.newThread(() -> { }).getName());
        Thread second = f.newThread(() -> { });
        assertEquals("raftkv-pool-2", second.getName());
        assertTrue(second.isDaemon());
        assertEquals("raftkv-pool-1", Threads.daemonPool("raftkv-pool").newThread(() -> { }).getName());
    }

    @Test
    void runsTheTask() throws InterruptedException {
        AtomicBoolean ran = new AtomicBoolean();
        Thread t = Threads.daemon("raftkv-run").newThread(() -> ran.set(true));
        t.start();
        t.join(10_000);
        assertTrue(ran.get());
    }

    @Test
    void daemonEvenFromANonDaemonThread() throws InterruptedException {
        Thread[] made = new Thread[1];
        Thread maker = new Thread(() -> made[0] = Threads.daemonPool("raftkv-x").newThread(() -> { }));
        maker.setDaemon(false);
        maker.start();
        maker.join(10_000);
        assertTrue(made[0].isDaemon());
    }
}
