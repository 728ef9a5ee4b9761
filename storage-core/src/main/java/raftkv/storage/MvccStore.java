package raftkv.storage;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.backend.Backend;
import raftkv.storage.backend.DataDirectory;
import raftkv.storage.backend.Meta;
import raftkv.storage.backend.RecordCodec;
import raftkv.storage.backend.TornCommitException;
import raftkv.storage.index.TreeIndex;
import raftkv.storage.lease.Lease;
import raftkv.storage.lease.LeaseTable;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.DeleteRangeResponse;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.TxnRequest;
import raftkv.storage.request.TxnResponse;

/**
 * The MVCC key-value store: etcd's v3 data model (revisions, generations, history, compaction, leases) over a
 * MapDB backend. It knows nothing of Raft or HTTP; the replicated layer feeds it the committed log in order.
 *
 * <p><b>Durability.</b> Writes are visible at once and committed in groups (every {@code commitOps} changes or
 * {@code commitInterval}). The applied Raft index set by {@link #beginApply} is written in the same commit as the
 * data it covers, so after a crash the store reopens at its last commit and the Raft log replays the rest: nothing
 * torn, nothing applied twice.
 *
 * <p><b>Threads and locks</b> (always taken in this order):
 * <ol>
 *   <li>{@code maintenance}: dumps and hashes (shared) against backend compaction, defragment and restore
 *       (exclusive). A stamped lock, because a snapshot may be released by another thread than took it.</li>
 *   <li>{@code commitLock}: held across each unit of writes that must commit together (a write txn, or all the
 *       requests of one applied Raft entry), and around every other mutation of the backend (compaction's
 *       deletions): a MapDB map operation is several record writes, and a commit landing in the middle of one
 *       would make a crash leave a torn B-tree. The group committer takes it to commit between units.</li>
 *   <li>{@code lock}: guards the index, the lease table, the revisions and the backend reference; shared for
 *       reads, exclusive for writes. Fields marked "guarded by lock" are written only while commitLock is held
 *       too, so the committer may read them under commitLock alone.</li>
 * </ol>
 * Writes may come from any thread but are serialised; the replicated layer calls them from its one apply thread.
 */
public final class MvccStore implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(MvccStore.class);

    final StoreConfig config;
    private final DataDirectory dir;

    final StampedLock maintenance = new StampedLock();
    final ReentrantLock commitLock = new ReentrantLock();
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Set once, by whichever thread's commit failed; read by any. */
    private volatile Throwable failure;
    private volatile java.util.function.Consumer<Throwable> onFailure = t -> { };

    // guarded by lock
    Backend backend;
    TreeIndex index;
    LeaseTable leases;
    long currentRev;
    long compactRev;
    /** Bumped whenever the backend is replaced, so that a compaction queued against the old one gives up. */
    long epoch;

    // guarded by commitLock
    private AppliedIndex applied = AppliedIndex.NONE;
    long scheduledCompact;
    long finishedCompact;
    private long uncommitted;
    private boolean dirty;
    private long lastCommitNanos = System.nanoTime();
    /** The alarms raised in the cluster, in {@link Alarm#ORDER}; written under commitLock, read anywhere. */
    private volatile List<Alarm> alarms = List.of();
    private final StoreStats stats = new StoreStats();

    /** Told of every write txn's changes as it ends, on the writing thread: it must only hand them off. */
    private volatile java.util.function.Consumer<List<KeyValue>> changeListener = changes -> { };
    /** Told when the whole state was replaced (restore), after the swap. */
    private volatile Runnable replacedListener = () -> { };
    private final RequestApplier applier;
    private final LeaseClocks leaseClocks = new LeaseClocks(this);
    private final StoreCompaction compaction;
    private final ScheduledExecutorService committer;
    private final ExecutorService compactor;
    private volatile boolean closed;

    private MvccStore(StoreConfig config) {
        this.config = config;
        this.dir = DataDirectory.open(config.dir());
        this.applier = new RequestApplier(this);
        this.compaction = new StoreCompaction(this);
        this.committer = Executors.newSingleThreadScheduledExecutor(daemon("raftkv-group-commit"));
        this.compactor = Executors.newSingleThreadExecutor(daemon("raftkv-compactor"));
    }

    /**
     * Opens the store in {@code config.dir()}, creating it if empty, and rebuilds the in-memory index.
     *
     * @throws StorageException {@link ErrorCode#TORN_STORE} if the last process stopped in the middle of a commit:
     *     the file may be torn, and the caller must rebuild the state ({@link #discardTorn}, then restore a
     *     snapshot and replay the log from it)
     */
    public static MvccStore open(StoreConfig config) {
        MvccStore s = new MvccStore(config);
        long t0 = System.nanoTime();
        s.commitLock.lock();
        s.lock.writeLock().lock();
        try {
            try {
                s.backend = Backend.open(s.dir.current());
            } catch (TornCommitException e) {
                throw new StorageException(ErrorCode.TORN_STORE, e.getMessage());
            }
            s.install(s.backend, StoreRecovery.load(s.backend));
        } catch (RuntimeException e) {
            s.lock.writeLock().unlock();
            s.commitLock.unlock();
            s.shutdownThreads();
            if (s.backend != null) {
                s.backend.close();
            }
            throw e;
        }
        s.lock.writeLock().unlock();
        s.commitLock.unlock();
        s.compaction.resumeIfInterrupted();
        long interval = Math.max(1, config.commitInterval().toMillis() / 2);
        s.committer.scheduleWithFixedDelay(s::commitIfDue, interval, interval, TimeUnit.MILLISECONDS);
        log.info("opened store {} at revision {} (compacted {}, applied index {}), {} keys, {} leases in {} ms",
                config.dir(), s.currentRev, s.compactRev, s.applied.index(), s.index.size(), s.leases.size(),
                (System.nanoTime() - t0) / 1_000_000);
        return s;
    }

    /**
     * Replaces a torn store (one that {@link #open} refused with {@link ErrorCode#TORN_STORE}) by an empty one, at
     * applied index 0, and returns how many bytes of it were dropped. The swap is atomic, as a restore's.
     */
    public static long discardTorn(StoreConfig config) {
        DataDirectory dir = DataDirectory.open(config.dir());
        Path torn = dir.current();
        long size = Backend.sizeOnDisk(torn);
        Path empty = dir.prepareNext();
        Backend.open(empty).close();
        dir.discard(dir.switchTo(empty));
        log.warn("discarded the torn store {} ({} bytes); it is empty now", torn, size);
        return size;
    }

    /**
     * Makes {@code b} and the state read from it live. Called with commitLock and the exclusive lock held (and, when
     * replacing a backend, the exclusive maintenance lock).
     */
    void install(Backend b, StoreRecovery.Recovered r) {
        Meta m = r.meta();
        backend = b;
        index = r.index();
        leases = r.leases();
        epoch++;
        applied = new AppliedIndex(m.appliedTerm(), m.appliedIndex());
        currentRev = m.revision();
        compactRev = m.compactRevision();
        scheduledCompact = m.scheduledCompact();
        finishedCompact = m.finishedCompact();
        alarms = m.alarms();
        uncommitted = 0;
        dirty = false;
    }

    // ---------------------------------------------------------------------------------------------- transactions

    /** Opens a read view at the current revision. Close it promptly: writers wait for it. */
    public ReadTxn read() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new StorageException(ErrorCode.STORE_CLOSED);
        }
        return new StoreReadTxn(this, currentRev);
    }

    /** Opens the (single) write transaction; others wait until it is closed. */
    public WriteTxn write() {
        return beginWrite();
    }

    StoreWriteTxn beginWrite() {
        commitLock.lock();
        lock.writeLock().lock();
        if (closed) {
            lock.writeLock().unlock();
            commitLock.unlock();
            throw new StorageException(ErrorCode.STORE_CLOSED);
        }
        return new StoreWriteTxn(this, currentRev);
    }

    /** Called by {@link StoreWriteTxn#close()}. */
    void endWrite(StoreWriteTxn txn) {
        try {
            int n = txn.changes().size();
            if (n > 0) {
                currentRev = txn.beginRev + 1;
                uncommitted += n;
                dirty = true;
                stats.recordWrite(n);
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (!txn.changes().isEmpty()) {
            changeListener.accept(txn.changes());
        }
        try {
            maybeCommit();
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Starts applying Raft entry {@code index}: until the returned scope is closed no commit happens, so the
     * entry's requests become durable together, with {@code index} recorded beside them.
     */
    public ApplyScope beginApply(long term, long index) {
        commitLock.lock();
        if (index <= applied.index() && index != 0) {
            commitLock.unlock();
            throw new IllegalArgumentException("entry " + index + " is at or below the applied index "
                    + applied.index());
        }
        return new ApplyScope(term, index);
    }

    /** Records an entry with no effect on the data (a no-op or configuration entry) as applied. */
    public void markApplied(long term, long index) {
        beginApply(term, index).close();
    }

    /** The last applied entry, as set by {@link #beginApply}; after open, the last one committed. */
    public AppliedIndex appliedIndex() {
        commitLock.lock();
        try {
            return applied;
        } finally {
            commitLock.unlock();
        }
    }

    /** The scope of one applied Raft entry; see {@link #beginApply}. */
    public final class ApplyScope implements AutoCloseable {
        private final AppliedIndex entry;
        private boolean closedScope;

        private ApplyScope(long term, long index) {
            this.entry = new AppliedIndex(term, index);
        }

        @Override
        public void close() {
            if (closedScope) {
                return;
            }
            closedScope = true;
            try {
                applied = entry;
                dirty = true;
                maybeCommit();
            } finally {
                commitLock.unlock();
            }
        }
    }

    /**
     * Registers the one listener of changes (the watch hub): it is called with each write txn's changes (puts, and
     * deletes as tombstones, all of one revision) right after the txn ends, on the writing thread.
     */
    /**
     * Called once, on the thread that hit it, when a commit fails (a full disk, an I/O error): the store's memory is
     * then ahead of its file, and its owner must stop using it (a restart reopens it at its last commit).
     */
    public void onFailure(java.util.function.Consumer<Throwable> listener) {
        this.onFailure = listener;
    }

    /** The failure that stopped commits, or null. */
    public Throwable failure() {
        return failure;
    }

    private void failed(Throwable t) {
        if (failure == null) {
            failure = t;
            onFailure.accept(t);
        }
    }

    public void onChanges(java.util.function.Consumer<List<KeyValue>> listener) {
        this.changeListener = listener;
    }

    /** Registers the one listener told when a restore replaced the whole state. */
    public void onReplaced(Runnable listener) {
        this.replacedListener = listener;
    }

    void fireReplaced() {
        replacedListener.run();
    }

    /**
     * Forgets which Raft entry the state came from: for a snapshot restored into the members of a new cluster,
     * whose log starts again at index 0. Its alarms go too: they name members of the cluster the snapshot came
     * from. The store is marked as seeded ({@link #isSeeded}): its state is more than its log.
     */
    public void resetAppliedIndex() {
        commitLock.lock();
        try {
            applied = AppliedIndex.NONE;
            alarms = List.of();
            dirty = true;
            commitNow();
            dir.markSeeded();
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Whether the store in {@code config.dir()} was seeded from a snapshot ({@link #resetAppliedIndex}), so that
     * replaying the Raft log from its start would not rebuild it.
     */
    public static boolean isSeeded(StoreConfig config) {
        return DataDirectory.open(config.dir()).isSeeded();
    }

    // ---------------------------------------------------------------------------------------------- requests

    public RangeResponse range(RangeRequest r) {
        RequestChecks.checkRange(r);
        try (ReadTxn txn = read()) {
            return applier.range(txn, r);
        }
    }

    public PutResponse put(PutRequest p) {
        RequestChecks.checkPut(p);
        try (StoreWriteTxn txn = beginWrite()) {
            return applier.put(txn, p);
        }
    }

    public DeleteRangeResponse deleteRange(DeleteRangeRequest d) {
        RequestChecks.checkDeleteRange(d);
        try (StoreWriteTxn txn = beginWrite()) {
            return applier.deleteRange(txn, d);
        }
    }

    public TxnResponse txn(TxnRequest t) {
        RequestChecks.checkTxn(t, config.maxTxnOps());
        try (StoreWriteTxn txn = beginWrite()) {
            return applier.txn(txn, t);
        }
    }

    /** The current main revision: 1 for an empty store, +1 per write. */
    public long revision() {
        lock.readLock().lock();
        try {
            return currentRev;
        } finally {
            lock.readLock().unlock();
        }
    }

    public long compactRevision() {
        lock.readLock().lock();
        try {
            return compactRev;
        } finally {
            lock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- leases

    /** Grants a lease with a caller-chosen id (the replicated layer picks ids so every member agrees). */
    public Lease grant(long id, long ttlSeconds) {
        if (id <= 0) {
            throw new StorageException(ErrorCode.INVALID_ARGUMENT, "lease id must be positive, got " + id);
        }
        if (ttlSeconds <= 0) {
            throw new StorageException(ErrorCode.INVALID_ARGUMENT, "lease TTL must be positive, got " + ttlSeconds);
        }
        try (StoreWriteTxn txn = beginWrite()) {
            if (leases.contains(id)) {
                throw new StorageException(ErrorCode.LEASE_EXISTS);
            }
            backend.putLease(id, LeaseCodec.encode(ttlSeconds));
            txn.markDirty();
            return leases.add(id, ttlSeconds);
        }
    }

    /**
     * Revokes a lease and deletes its keys in one revision. Returns the store revision afterwards.
     *
     * @throws StorageException {@link ErrorCode#LEASE_NOT_FOUND}
     */
    public long revoke(long id) {
        try (StoreWriteTxn txn = beginWrite()) {
            Lease l = leases.get(id);
            if (l == null) {
                throw new StorageException(ErrorCode.LEASE_NOT_FOUND);
            }
            List<byte[]> keys = l.keys();
            if (keys.size() > Revision.MAX_SUB + 1) {
                throw new StorageException(ErrorCode.TOO_MANY_KEYS);
            }
            for (byte[] k : keys) {
                txn.deleteRange(KeyRange.single(k));
            }
            leases.remove(id);
            backend.removeLease(id);
            txn.markDirty();
            return txn.revision();
        }
    }

    /**
     * A copy of a lease's state (TTL, expiry, attached keys) taken under the store lock, or null. A copy, because
     * the apply thread attaches and detaches keys meanwhile: walking the live key set outside the lock could throw
     * or return a torn list.
     */
    public Lease lease(long id) {
        lock.readLock().lock();
        try {
            return leases.copyOf(id);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Every lease id, ascending. */
    public List<Long> leaseIds() {
        lock.readLock().lock();
        try {
            List<Long> ids = new ArrayList<>();
            for (Lease l : leases.all()) {
                ids.add(l.id());
            }
            ids.sort(Comparator.naturalOrder());
            return ids;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The lease clocks, which the replicated layer runs (the store only records them). */
    public LeaseClocks leaseClocks() {
        return leaseClocks;
    }

    // ---------------------------------------------------------------------------------------------- alarms

    /** The alarms raised in the cluster, by member then kind. */
    public List<Alarm> alarms() {
        return alarms;
    }

    /** Whether an alarm of this kind is raised against any member. */
    public boolean alarmed(Alarm.Type type) {
        for (Alarm a : alarms) {
            if (a.type() == type) {
                return true;
            }
        }
        return false;
    }

    /**
     * Raises or clears an alarm; returns whether that changed anything. Kept with the data: within an applied
     * entry's scope it commits with that entry's index.
     *
     * @throws StorageException {@link ErrorCode#INVALID_ARGUMENT} when raising one more would exceed
     *                          {@link Meta#MAX_ALARMS}
     */
    public boolean alarm(Alarm alarm, boolean raise) {
        commitLock.lock();
        try {
            if (closed) {
                throw new StorageException(ErrorCode.STORE_CLOSED);
            }
            List<Alarm> next = new ArrayList<>(alarms);
            boolean changed = raise ? !next.contains(alarm) && next.add(alarm) : next.remove(alarm);
            if (!changed) {
                return false;
            }
            if (next.size() > Meta.MAX_ALARMS) {
                throw new StorageException(ErrorCode.INVALID_ARGUMENT, "at most " + Meta.MAX_ALARMS + " alarms");
            }
            next.sort(Alarm.ORDER);
            alarms = List.copyOf(next);
            dirty = true;
            maybeCommit();
            return true;
        } finally {
            commitLock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- history

    /**
     * Compacts history at {@code rev}: reads below it fail from now on, and the history it no longer needs is
     * deleted in the background, in bounded steps. The returned future completes when the deletion is done.
     *
     * @throws StorageException {@link ErrorCode#COMPACTED} when {@code rev} is not above the compaction revision,
     *                          {@link ErrorCode#FUTURE_REVISION} when it is above the current revision
     */
    public CompletableFuture<Void> compact(long rev) {
        return compaction.schedule(rev);
    }

    void resumeCompactionIfInterrupted() {
        compaction.resumeIfInterrupted();
    }

    /** Runs a compaction step on the compactor thread. */
    CompletableFuture<Void> runCompaction(Runnable job) {
        return CompletableFuture.runAsync(job, compactor);
    }

    /** A hash of the key-value state at {@code rev} (0: current), equal on members that applied the same log. */
    public KvHash hash(long rev) {
        return StoreHash.compute(this, rev);
    }

    /**
     * The changes from main revision {@code fromRev} on, in order, for keys of {@code range}: at most about
     * {@code maxEvents} of them, never splitting one revision. Continue from {@link ChangeBatch#nextRevision()}.
     *
     * @throws StorageException {@link ErrorCode#COMPACTED} when {@code fromRev} is at or below the compaction
     *                          revision (its history may be incomplete)
     */
    public ChangeBatch changes(long fromRev, KeyRange range, int maxEvents) {
        return StoreChanges.read(this, fromRev, range, maxEvents);
    }

    // ---------------------------------------------------------------------------------------------- maintenance

    /**
     * Fixes a consistent point for a snapshot: the state at the current applied index. Writes go on while the
     * snapshot is written (it only reads revisions at or below its own), and compaction waits until it is closed.
     */
    public StoreSnapshot openSnapshot() {
        return StoreSnapshot.open(this);
    }

    /** Writes a snapshot of the current state to {@code out}; see {@link #openSnapshot()}. */
    public StoreSnapshot.Info snapshot(OutputStream out) {
        try (StoreSnapshot s = openSnapshot()) {
            s.writeTo(out);
            return s.info();
        }
    }

    /**
     * Replaces the whole state with a snapshot, atomically: the stream is read and verified into a new database
     * first, and only a complete, intact snapshot replaces the old state.
     *
     * @throws StorageException {@link ErrorCode#CORRUPT_SNAPSHOT}; the old state is then untouched
     */
    public StoreSnapshot.Info restore(InputStream in) {
        return StoreSnapshot.restore(this, in, dir);
    }

    /** Rewrites the database into a fresh file and swaps it in, giving back the space MapDB never returns. */
    public void defragment() {
        StoreDefrag.run(this, dir);
    }

    /** Bytes the database takes on disk. */
    public long dbSize() {
        lock.readLock().lock();
        try {
            return backend.sizeOnDisk();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Counters for the server's metrics. */
    public StoreStats.View stats() {
        commitLock.lock();
        lock.readLock().lock();
        try {
            return stats.view(index.size(), leases.size(), currentRev, compactRev);
        } finally {
            lock.readLock().unlock();
            commitLock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- commit

    /** Commits everything written so far now, instead of at the next group commit. */
    public void commit() {
        commitLock.lock();
        try {
            if (dirty && !closed) {
                commitNow();
            }
        } finally {
            commitLock.unlock();
        }
    }

    /** Called with commitLock held at the end of each unit of writes. */
    private void maybeCommit() {
        if (commitLock.getHoldCount() == 1 && uncommitted >= config.commitOps()) {
            commitNow();
        }
    }

    private void commitIfDue() {
        commitLock.lock();
        try {
            if (failure == null && dirty && !closed
                    && System.nanoTime() - lastCommitNanos >= config.commitInterval().toNanos()) {
                commitNow();
            }
        } catch (RuntimeException e) {
            log.error("group commit failed: this store can no longer commit", e);
        } finally {
            commitLock.unlock();
        }
    }

    /** Writes meta beside the data and commits both. Called with commitLock held, outside any unit. */
    void commitNow() {
        long t0 = System.nanoTime();
        try {
            backend.setMeta(new Meta(applied.term(), applied.index(), currentRev, compactRev, scheduledCompact,
                    finishedCompact, alarms));
            backend.commit();
        } catch (RuntimeException e) {
            failed(e);
            throw e;
        }
        lastCommitNanos = System.nanoTime();
        stats.recordCommit(uncommitted, lastCommitNanos - t0);
        uncommitted = 0;
        dirty = false;
    }

    /** Marks bookkeeping (not data) as changed; called with commitLock held. */
    void markDirty() {
        dirty = true;
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /** Commits and closes. A closed store refuses every call. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        shutdownThreads();
        long stamp = maintenance.writeLock();
        commitLock.lock();
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            if (dirty) {
                commitNow();
            }
            closed = true;
            backend.close();
            log.info("closed store {} at revision {}", config.dir(), currentRev);
        } finally {
            lock.writeLock().unlock();
            commitLock.unlock();
            maintenance.unlockWrite(stamp);
        }
    }

    private void shutdownThreads() {
        committer.shutdownNow();
        compactor.shutdown();
        try {
            if (!compactor.awaitTermination(30, TimeUnit.SECONDS)) {
                compactor.shutdownNow();
            }
            committer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            compactor.shutdownNow();
        }
    }

    boolean isClosed() {
        return closed;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Reads the version at packed revision {@code rev}; the caller holds the lock. */
    KeyValue fetch(long rev) {
        byte[] rec = backend.get(Revision.toBytes(rev));
        if (rec == null) {
            throw new IllegalStateException("the index refers to revision " + Revision.unpack(rev)
                    + ", which the backend does not hold");
        }
        return RecordCodec.decode(rev, rec);
    }

    /** The raw MVCC range shared by read and write transactions; the caller holds the lock. */
    ReadTxn.RangeResult rangeKeys(KeyRange range, long curRev, ReadTxn.RangeOptions ro) {
        long rev = ro.revision();
        if (rev > curRev) {
            throw new StorageException(ErrorCode.FUTURE_REVISION);
        }
        if (rev <= 0) {
            rev = curRev;
        }
        if (rev < compactRev) {
            throw new StorageException(ErrorCode.COMPACTED);
        }
        if (ro.countOnly()) {
            return new ReadTxn.RangeResult(List.of(), index.count(range, rev), curRev);
        }
        int limit = ro.limit() <= 0 || ro.limit() > Integer.MAX_VALUE ? 0 : (int) ro.limit();
        TreeIndex.RangeHits hits = index.range(range, rev, limit);
        List<KeyValue> kvs = new ArrayList<>(hits.hits().size());
        for (var e : hits.hits()) {
            kvs.add(fetch(e.modified()));
        }
        return new ReadTxn.RangeResult(kvs, hits.total(), curRev);
    }
}
