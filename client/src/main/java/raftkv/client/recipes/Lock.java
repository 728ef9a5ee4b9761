package raftkv.client.recipes;

import raftkv.client.Cmp;

/**
 * A distributed mutex, as etcd's: {@link #lock()} blocks until this session holds {@code name}, {@link #unlock()}
 * releases it. Waiters queue by the create revision of their keys and each watches only its predecessor. A holder
 * whose process dies releases the lock when its session's lease expires. Not reentrant; one holder per session.
 *
 * <p><b>Fence what the lock protects.</b> Holding the lock is a belief, not a guarantee: a holder paused (a long GC,
 * a frozen VM, a partition) past its session's TTL loses the lock while it still believes it holds it, and another
 * process takes it; when the first resumes, both act as holders (Jepsen's etcd analysis showed exactly this). So a
 * write that the lock protects must be a txn guarded by {@link #fence()}: it takes effect only while this holder's
 * key, created at {@link #revision()}, still exists, which a paused holder's no longer does.
 * <pre>{@code
 *   lock.lock();
 *   kv.kv().txn().when(lock.fence()).then(TxnOp.put("protected", value, PutOptions.DEFAULT)).commit().join();
 * }</pre>
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

    /**
     * Blocks until the lock is held.
     *
     * @throws SessionExpiredException the session's lease expired while it waited: nothing is held
     */
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

    /**
     * The guard of a write the lock protects: true only while this holder's key still exists with the create
     * revision it got when it took the lock (see the class comment).
     */
    public Cmp fence() {
        if (revision == 0) {
            // createRevision == 0 holds for a key that does not exist: an unguarded write would pass.
            throw new IllegalStateException("no fence before lock() has returned: the lock is not held");
        }
        return Cmp.createRevision(key, Cmp.Op.EQUAL, revision);
    }

    public void unlock() {
        Queue.dequeue(session, key);
    }
}
