package raftkv.client.recipes;

/**
 * A distributed mutex, as etcd's: {@link #lock()} blocks until this session holds {@code name}, {@link #unlock()}
 * releases it. Waiters queue by the create revision of their keys and each watches only its predecessor. A holder
 * whose process dies releases the lock when its session's lease expires. Not reentrant; one holder per session.
 */
public final class Lock {

    private final Session session;
    private final String prefix;
    private final String key;
    private long revision;

    public Lock(Session session, String name) {
        this.session = session;
        this.prefix = Queue.prefix(name);
        this.key = Queue.key(prefix, session);
    }

    /** Blocks until the lock is held. */
    public void lock() throws InterruptedException {
        revision = Queue.joinAndWait(session, prefix, key, "");
    }

    /** The key that holds the lock while it is held; a txn can compare its create revision to fence writes. */
    public String key() {
        return key;
    }

    /** The create revision of {@link #key()}: a fencing token, increasing from holder to holder. */
    public long revision() {
        return revision;
    }

    public void unlock() {
        Queue.dequeue(session, key);
    }
}
