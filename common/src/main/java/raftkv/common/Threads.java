package raftkv.common;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one way raftkv makes its own threads: daemons (a member, a client or a benchmark never waits on them to exit)
 * with the names that {@code docs/architecture.md}'s thread table, logs and thread dumps use. {@link #daemon} names
 * every thread it makes alike (a single-thread executor, or a thread started by hand through
 * {@code daemon(name).newThread(task)}); {@link #daemonPool} numbers them {@code prefix-1}, {@code prefix-2}, ...
 * from one, per factory. Nothing else is set: priority and thread group are the creating thread's, uncaught
 * exceptions go to the default handler, as with {@code new Thread(task, name)}.
 */
public final class Threads {

    private Threads() {
    }

    /** Makes daemon threads all named {@code name}. */
    public static ThreadFactory daemon(String name) {
        return task -> daemonThread(task, name);
    }

    /** Makes daemon threads named {@code prefix-1}, {@code prefix-2}, ... in the order they are made. */
    public static ThreadFactory daemonPool(String prefix) {
        AtomicInteger made = new AtomicInteger();
        return task -> daemonThread(task, prefix + "-" + made.incrementAndGet());
    }

    private static Thread daemonThread(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }
}
