package raftkv.storage;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;
import raftkv.storage.auth.AuthCodec;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.AuthState;
import raftkv.storage.backend.Backend;
import raftkv.storage.backend.DataDirectory;
import raftkv.storage.backend.Meta;
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
 * <p><b>Locks.</b> This class owns the state and every lock over it, and takes them only in {@code acquire}, which
 * fixes their order:
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
 * The helpers (transactions, compaction, snapshots, hashes, history reads, lease clocks) hold no reference to a lock
 * or a field: they are handed the state they need, already locked ({@link LockedState}, the lease table), or ask for
 * one narrow locked step.
 *
 * <p><b>Threads.</b> Writes may come from any thread but are serialised; the replicated layer calls them from its one
 * apply thread. Reads come from any thread. {@code raftkv-group-commit} commits on a timer; {@code raftkv-compactor}
 * runs compaction's background steps ({@link StoreCompaction}).
 */
public final class MvccStore implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(MvccStore.class);

    private final StoreConfig config;
    private final DataDirectory dir;

    private final StampedLock maintenance = new StampedLock();
    private final ReentrantLock commitLock = new ReentrantLock();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    // guarded by lock
    private Backend backend;
    private TreeIndex index;
    private LeaseTable leases;
    private long currentRev;
    private long compactRev;
    /** Bumped whenever the backend is replaced, so that a compaction queued against the old one gives up. */
    private long epoch;

    // guarded by commitLock
    private AppliedIndex applied = AppliedIndex.NONE;
    private long scheduledCompact;
    private long finishedCompact;
    private final GroupCommit commits;
    /** The alarms raised in the cluster, in {@link Alarm#ORDER}; written under commitLock, read anywhere. */
    private volatile List<Alarm> alarms = List.of();
    /** Users, roles and permissions: replaced whole by {@link #applyAuth}, under commitLock, read without a lock. */
    private volatile AuthState auth = AuthState.INITIAL;
    /** The encoding of {@link #auth}, made once per change; guarded by commitLock. */
    private byte[] authBytes = new byte[0];

    /** Told of every write txn's changes as it ends, on the writing thread: it must only hand them off. */
    private volatile Consumer<List<KeyValue>> changeListener = changes -> { };
    /** Told when the whole state was replaced (restore), after the swap. */
    private volatile Runnable replacedListener = () -> { };
    private final RequestApplier applier = new RequestApplier();
    private final LeaseClocks leaseClocks = new LeaseClocks(this);
    private final ScheduledExecutorService committer;
    private final ExecutorService compactor;
    private final StoreCompaction compaction;
    private volatile boolean closed;

    private MvccStore(StoreConfig config) {
        this.config = config;
        this.dir = DataDirectory.open(config.dir());
        this.commits = new GroupCommit(config);
        this.committer = Executors.newSingleThreadScheduledExecutor(Threads.daemon("raftkv-group-commit"));
        this.compactor = Executors.newSingleThreadExecutor(Threads.daemon("raftkv-compactor"));
        this.compaction = new StoreCompaction(this, compactor, config.compactionBatch());
    }

    // ---------------------------------------------------------------------------------------------- locks

    private enum Mode { NONE, SHARED, EXCLUSIVE }

    /** Which of the three locks a section holds, and how. */
    private record Locks(Mode maintenance, boolean commit, Mode store) {
        static final Locks READ = new Locks(Mode.NONE, false, Mode.SHARED);
        static final Locks WRITE = new Locks(Mode.NONE, false, Mode.EXCLUSIVE);
        static final Locks COMMIT = new Locks(Mode.NONE, true, Mode.NONE);
        static final Locks COMMIT_READ = new Locks(Mode.NONE, true, Mode.SHARED);
        static final Locks COMMIT_WRITE = new Locks(Mode.NONE, true, Mode.EXCLUSIVE);
        static final Locks MAINTENANCE_SHARED = new Locks(Mode.SHARED, false, Mode.NONE);
        static final Locks MAINTENANCE_EXCLUSIVE = new Locks(Mode.EXCLUSIVE, false, Mode.NONE);
        static final Locks EVERYTHING = new Locks(Mode.EXCLUSIVE, true, Mode.EXCLUSIVE);
    }

    /**
     * Takes {@code locks}, and returns the maintenance stamp (0 without it) for {@link #release}. Every lock of the
     * store is taken here, in this order: maintenance, then commitLock, then lock. A section that needs a later one
     * while holding an earlier one (a snapshot fixing its point, a compaction chunk deleting) nests a second acquire.
     *
     * <p>Maintenance first: it is held the longest (a whole dump, a defragment's copy) and its holders take
     * commitLock inside it, a snapshot to fix a point between applied entries and a compaction chunk to delete. A
     * thread that waited for it while holding commitLock would stall every write for a whole dump, or deadlock
     * against that chunk.
     *
     * <p>commitLock before lock: an applied entry's scope holds commitLock across its requests, each of which takes
     * and releases lock; a thread holding lock and waiting for commitLock would deadlock against that scope. Taking
     * commitLock again while holding it (a write txn inside an entry's scope) never waits, so it is allowed anywhere.
     */
    private long acquire(Locks locks) {
        assert locks.maintenance() == Mode.NONE || !commitLock.isHeldByCurrentThread() && !holdsLock()
                : "maintenance lock taken after commitLock or lock";
        assert !locks.commit() || commitLock.isHeldByCurrentThread() || !holdsLock()
                : "commitLock taken after lock";
        long stamp = switch (locks.maintenance()) {
            case NONE -> 0;
            case SHARED -> maintenance.readLock();
            case EXCLUSIVE -> maintenance.writeLock();
        };
        if (locks.commit()) {
            commitLock.lock();
        }
        switch (locks.store()) {
            case NONE -> { }
            case SHARED -> lock.readLock().lock();
            case EXCLUSIVE -> lock.writeLock().lock();
        }
        return stamp;
    }

    /** Releases what {@link #acquire} took, innermost first; also releases the parts of a section one by one. */
    private void release(Locks locks, long stamp) {
        switch (locks.store()) {
            case NONE -> { }
            case SHARED -> lock.readLock().unlock();
            case EXCLUSIVE -> lock.writeLock().unlock();
        }
        if (locks.commit()) {
            commitLock.unlock();
        }
        switch (locks.maintenance()) {
            case NONE -> { }
            case SHARED -> maintenance.unlockRead(stamp);
            case EXCLUSIVE -> maintenance.unlockWrite(stamp);
        }
    }

    private boolean holdsLock() {
        return lock.isWriteLockedByCurrentThread() || lock.getReadHoldCount() > 0;
    }

    private <T> T locked(Locks locks, Supplier<T> section) {
        long stamp = acquire(locks);
        try {
            return section.get();
        } finally {
            release(locks, stamp);
        }
    }

    private void lockedRun(Locks locks, Runnable section) {
        locked(locks, () -> {
            section.run();
            return null;
        });
    }

    /**
     * Takes {@code locks} for a section that outlives this call (a txn, an entry's scope, a snapshot), which
     * {@code open} starts from the stamp; released at once if {@code open} throws.
     */
    private <T> T holding(Locks locks, LongFunction<T> open) {
        long stamp = acquire(locks);
        try {
            return open.apply(stamp);
        } catch (RuntimeException e) {
            release(locks, stamp);
            throw e;
        }
    }

    /** The state for a helper to work on, refused once closed; the caller holds lock. */
    private LockedState openState() {
        if (closed) {
            throw new StorageException(ErrorCode.STORE_CLOSED);
        }
        return new LockedState(backend, index, leases, currentRev, compactRev);
    }

    // ---------------------------------------------------------------------------------------------- open

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
        try {
            s.lockedRun(Locks.COMMIT_WRITE, () -> {
                try {
                    s.backend = Backend.open(s.dir.current());
                } catch (TornCommitException e) {
                    throw new StorageException(ErrorCode.TORN_STORE, e.getMessage());
                }
                s.install(s.backend, StoreRecovery.load(s.backend));
            });
        } catch (RuntimeException e) {
            s.shutdownThreads();
            if (s.backend != null) {
                s.backend.close();
            }
            throw e;
        }
        s.resumeCompactionIfInterrupted();
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
        return StoreRecovery.discardTorn(DataDirectory.open(config.dir()));
    }

    /**
     * Makes {@code b} and the state read from it live. Called with commitLock and the exclusive lock held (and, when
     * replacing a backend, the exclusive maintenance lock).
     */
    private void install(Backend b, StoreRecovery.Recovered r) {
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
        auth = r.auth();
        authBytes = m.auth();
        commits.reset();
    }

    // ---------------------------------------------------------------------------------------------- transactions

    /** Opens a read view at the current revision. Close it promptly: writers wait for it. */
    public ReadTxn read() {
        return holding(Locks.READ, stamp -> new StoreReadTxn(this, openState()));
    }

    /** Called by {@link StoreReadTxn#close()}. */
    void endRead() {
        release(Locks.READ, 0);
    }

    /** Opens the (single) write transaction; others wait until it is closed. */
    public WriteTxn write() {
        return beginWrite();
    }

    private StoreWriteTxn beginWrite() {
        return holding(Locks.COMMIT_WRITE, stamp -> new StoreWriteTxn(this, openState()));
    }

    /** Called by {@link StoreWriteTxn#close()}. */
    void endWrite(StoreWriteTxn txn) {
        List<KeyValue> changes = txn.changes();
        try {
            int n = changes.size();
            if (n > 0) {
                currentRev = txn.beginRevision() + 1;
                commits.wrote(n);
            }
            if (txn.leasesChanged()) {
                commits.changed();
            }
        } finally {
            // Only lock: readers go on while the listener runs, and commitLock stays for the unit's commit.
            release(Locks.WRITE, 0);
        }
        if (!changes.isEmpty()) {
            changeListener.accept(changes);
        }
        try {
            maybeCommit();
        } finally {
            release(Locks.COMMIT, 0);
        }
    }

    /**
     * Starts applying Raft entry {@code index}: until the returned scope is closed no commit happens, so the
     * entry's requests become durable together, with {@code index} recorded beside them.
     */
    public ApplyScope beginApply(long term, long index) {
        return holding(Locks.COMMIT, stamp -> {
            if (index <= applied.index() && index != 0) {
                throw new IllegalArgumentException("entry " + index + " is at or below the applied index "
                        + applied.index());
            }
            return new ApplyScope(term, index);
        });
    }

    /** Records an entry with no effect on the data (a no-op or configuration entry) as applied. */
    public void markApplied(long term, long index) {
        beginApply(term, index).close();
    }

    /** The last applied entry, as set by {@link #beginApply}; after open, the last one committed. */
    public AppliedIndex appliedIndex() {
        return locked(Locks.COMMIT, () -> applied);
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
                commits.changed();
                maybeCommit();
            } finally {
                release(Locks.COMMIT, 0);
            }
        }
    }

    /**
     * Called once, on the thread that hit it, when a commit fails (a full disk, an I/O error): the store's memory is
     * then ahead of its file, and its owner must stop using it (a restart reopens it at its last commit).
     */
    public void onFailure(Consumer<Throwable> listener) {
        commits.onFailure(listener);
    }

    /** The failure that stopped commits, or null. */
    public Throwable failure() {
        return commits.failure();
    }

    /**
     * Registers the one listener of changes (the watch hub): it is called with each write txn's changes (puts, and
     * deletes as tombstones, all of one revision) right after the txn ends, on the writing thread.
     */
    public void onChanges(Consumer<List<KeyValue>> listener) {
        this.changeListener = listener;
    }

    /** Registers the one listener told when a restore replaced the whole state. */
    public void onReplaced(Runnable listener) {
        this.replacedListener = listener;
    }

    /**
     * Forgets which Raft entry the state came from: for a snapshot restored into the members of a new cluster,
     * whose log starts again at index 0. Its alarms go too: they name members of the cluster the snapshot came
     * from. The store is marked as seeded ({@link #isSeeded}): its state is more than its log.
     */
    public void resetAppliedIndex() {
        lockedRun(Locks.COMMIT, () -> {
            applied = AppliedIndex.NONE;
            alarms = List.of();
            commits.changed();
            commitNow();
            dir.markSeeded();
        });
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
        return locked(Locks.READ, () -> currentRev);
    }

    public long compactRevision() {
        return locked(Locks.READ, () -> compactRev);
    }

    // ---------------------------------------------------------------------------------------------- leases

    /** Grants a lease with a caller-chosen id (the replicated layer picks ids so every member agrees). */
    public Lease grant(long id, long ttlSeconds) {
        RequestChecks.checkGrant(id, ttlSeconds);
        try (StoreWriteTxn txn = beginWrite()) {
            return txn.grantLease(id, ttlSeconds);
        }
    }

    /**
     * Revokes a lease and deletes its keys in one revision. Returns the store revision afterwards.
     *
     * @throws StorageException {@link ErrorCode#LEASE_NOT_FOUND}
     */
    public long revoke(long id) {
        try (StoreWriteTxn txn = beginWrite()) {
            return txn.revokeLease(id);
        }
    }

    /**
     * A copy of a lease's state (TTL, expiry, attached keys) taken under the store lock, or null. A copy, because
     * the apply thread attaches and detaches keys meanwhile: walking the live key set outside the lock could throw
     * or return a torn list.
     */
    public Lease lease(long id) {
        return locked(Locks.READ, () -> leases.copyOf(id));
    }

    /** Every lease id, ascending. */
    public List<Long> leaseIds() {
        return locked(Locks.READ,
                () -> leases.all().stream().map(Lease::id).sorted().collect(Collectors.toCollection(ArrayList::new)));
    }

    /** The lease clocks, which the replicated layer runs (the store only records them). */
    public LeaseClocks leaseClocks() {
        return leaseClocks;
    }

    /**
     * For {@link LeaseClocks}: the lease table under the shared lock. Shared even to move clocks: the table guards
     * its clock fields itself, and the lock only has to keep its set of leases, and the table, from being replaced.
     */
    <T> T fromLeases(Function<LeaseTable, T> section) {
        return locked(Locks.READ, () -> section.apply(leases));
    }

    /** As {@link #fromLeases}, for a section that returns nothing. */
    void withLeases(Consumer<LeaseTable> section) {
        lockedRun(Locks.READ, () -> section.accept(leases));
    }

    // ---------------------------------------------------------------------------------------------- alarms

    /** The alarms raised in the cluster, by member then kind. */
    public List<Alarm> alarms() {
        return alarms;
    }

    /** Whether an alarm of this kind is raised against any member. */
    public boolean alarmed(Alarm.Type type) {
        return alarms.stream().anyMatch(a -> a.type() == type);
    }

    /**
     * Raises or clears an alarm; returns whether that changed anything. Kept with the data: within an applied
     * entry's scope it commits with that entry's index.
     *
     * @throws StorageException {@link ErrorCode#INVALID_ARGUMENT} when raising one more would exceed
     *                          {@link Meta#MAX_ALARMS}
     */
    public boolean alarm(Alarm alarm, boolean raise) {
        return locked(Locks.COMMIT, () -> {
            if (closed) {
                throw new StorageException(ErrorCode.STORE_CLOSED);
            }
            List<Alarm> next = Alarm.toggled(alarms, alarm, raise);
            if (next == null) {
                return false;
            }
            alarms = next;
            commits.changed();
            maybeCommit();
            return true;
        });
    }

    // ---------------------------------------------------------------------------------------------- auth

    /** The users, roles and permissions now: one immutable state, for any number of checks. */
    public AuthState auth() {
        return auth;
    }

    /**
     * Applies a change to users, roles or permissions. Kept with the data: within an applied entry's scope it
     * commits with that entry's index.
     *
     * @throws StorageException with etcd's auth error when the change is refused; nothing changed then
     */
    public void applyAuth(AuthCommand command) {
        lockedRun(Locks.COMMIT, () -> {
            if (closed) {
                throw new StorageException(ErrorCode.STORE_CLOSED);
            }
            AuthState next = auth.apply(command);
            if (next == auth) {
                return;
            }
            byte[] encoded = AuthCodec.encode(next);
            if (encoded.length > Meta.MAX_AUTH_BYTES) {
                // Refused here, the same on every member: a larger state could not travel in a snapshot.
                throw new StorageException(ErrorCode.INVALID_ARGUMENT, "raftkv: users and roles would take "
                        + encoded.length + " bytes, over the " + Meta.MAX_AUTH_BYTES + " a snapshot carries");
            }
            authBytes = encoded;
            auth = next;
            commits.changed();
            maybeCommit();
        });
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
        // Recorded as scheduled in this unit's commit: within an applied entry's scope, with that entry.
        StoreCompaction.Job job = locked(Locks.COMMIT_WRITE, () -> {
            if (closed) {
                throw new StorageException(ErrorCode.STORE_CLOSED);
            }
            if (rev <= compactRev) {
                throw new StorageException(ErrorCode.COMPACTED);
            }
            if (rev > currentRev) {
                throw new StorageException(ErrorCode.FUTURE_REVISION);
            }
            compactRev = rev;
            scheduledCompact = rev;
            commits.changed();
            return new StoreCompaction.Job(rev, epoch);
        });
        return compaction.schedule(job);
    }

    /** After open or a backend swap: finishes a compaction that a crash interrupted. */
    private void resumeCompactionIfInterrupted() {
        StoreCompaction.Job job = locked(Locks.COMMIT_READ, () -> scheduledCompact <= finishedCompact ? null
                : new StoreCompaction.Job(scheduledCompact, epoch));
        if (job != null) {
            compaction.resume(job);
        }
    }

    /** Whether {@code job} still applies: the store is open, on the backend the job was scheduled against. */
    private boolean current(StoreCompaction.Job job) {
        return epoch == job.epoch() && !closed;
    }

    /**
     * For {@link StoreCompaction}: runs one chunk of index compaction under the exclusive lock (writes wait for one
     * chunk at a time), unless {@code job} no longer applies; returns whether it ran.
     */
    boolean compactIndexChunk(StoreCompaction.Job job, Consumer<TreeIndex> chunk) {
        return locked(Locks.WRITE, () -> {
            if (!current(job)) {
                return false;
            }
            chunk.accept(index);
            return true;
        });
    }

    /**
     * For {@link StoreCompaction}: one chunk of backend deletions. {@code pick} chooses the records and they are
     * deleted, all under the exclusive maintenance lock, so that no dump or hash is reading them. Returns the keys
     * deleted, or null, having done nothing, if {@code job} no longer applies.
     */
    List<byte[]> deleteFromBackend(StoreCompaction.Job job, Function<Backend, List<byte[]>> pick) {
        return locked(Locks.MAINTENANCE_EXCLUSIVE, () -> {
            if (!current(job)) {
                return null;
            }
            List<byte[]> doomed = pick.apply(backend);
            // A MapDB map operation is several record writes: a commit from another thread must not land in the
            // middle of one, or a crash leaves a B-tree leaf pointing at a freed value (seen in CrashRecoveryTest).
            lockedRun(Locks.COMMIT, () -> doomed.forEach(backend::remove));
            return doomed;
        });
    }

    /** For {@link StoreCompaction}: records {@code job} as finished, in the next commit, if it still applies. */
    void finishCompaction(StoreCompaction.Job job) {
        lockedRun(Locks.COMMIT, () -> {
            if (current(job)) {
                finishedCompact = Math.max(finishedCompact, job.rev());
                commits.changed();
            }
        });
    }

    /** A hash of the key-value state at {@code rev} (0: current), equal on members that applied the same log. */
    public KvHash hash(long rev) {
        // The records are read under maintenance alone: history at or below a revision never changes, and the
        // maintenance lock keeps compaction's deletions and backend swaps away.
        return locked(Locks.MAINTENANCE_SHARED,
                () -> StoreHash.compute(locked(Locks.READ, () -> StoreHash.fix(openState(), rev))));
    }

    /**
     * The changes from main revision {@code fromRev} on, in order, for keys of {@code range}: at most about
     * {@code maxEvents} of them, never splitting one revision. Continue from {@link ChangeBatch#nextRevision()}.
     *
     * @throws StorageException {@link ErrorCode#COMPACTED} when {@code fromRev} is at or below the compaction
     *                          revision (its history may be incomplete)
     */
    public ChangeBatch changes(long fromRev, KeyRange range, int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be positive");
        }
        return locked(Locks.READ, () -> StoreChanges.read(openState(), fromRev, range, maxEvents));
    }

    // ---------------------------------------------------------------------------------------------- maintenance

    /**
     * Fixes a consistent point for a snapshot: the state at the current applied index. Writes go on while the
     * snapshot is written (it only reads revisions at or below its own), and compaction waits until it is closed.
     */
    public StoreSnapshot openSnapshot() {
        // commitLock too, for a moment: between applied entries, so that the applied index matches the data.
        return holding(Locks.MAINTENANCE_SHARED, stamp -> locked(Locks.COMMIT_READ,
                () -> StoreSnapshot.at(openState(), meta(), () -> release(Locks.MAINTENANCE_SHARED, stamp))));
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
        return StoreSnapshot.restore(in, dir, this::replaceWith);
    }

    /** Swaps in a generation built from a snapshot, then tells the listener. */
    private void replaceWith(StoreRecovery.Generation fresh) {
        lockedRun(Locks.EVERYTHING, () -> {
            if (closed) {
                fresh.backend().close();
                dir.discard(fresh.path());
                throw new StorageException(ErrorCode.STORE_CLOSED);
            }
            swapLocked(fresh);
        });
        replacedListener.run();
    }

    /** Rewrites the database into a fresh file and swaps it in, giving back the space MapDB never returns. */
    public void defragment() {
        long t0 = System.nanoTime();
        lockedRun(Locks.EVERYTHING, () -> {
            LockedState live = openState();
            long before = backend.sizeOnDisk();
            commitNow(); // the copy takes its meta from the backend
            StoreDefrag.run(live, dir, this::swapLocked, before, t0);
        });
    }

    /** Makes {@code fresh} the live generation and deletes the old one. Called holding {@link Locks#EVERYTHING}. */
    private void swapLocked(StoreRecovery.Generation fresh) {
        Backend old = backend;
        Path oldDir = dir.switchTo(fresh.path());
        old.close();
        dir.discard(oldDir);
        install(fresh.backend(), fresh.recovered());
        resumeCompactionIfInterrupted();
    }

    /** Bytes the database takes on disk. */
    public long dbSize() {
        return locked(Locks.READ, () -> backend.sizeOnDisk());
    }

    /** Counters for the server's metrics. */
    public StoreStats.View stats() {
        return locked(Locks.COMMIT_READ, () -> commits.view(index.size(), leases.size(), currentRev, compactRev));
    }

    // ---------------------------------------------------------------------------------------------- commit

    /** Commits everything written so far now, instead of at the next group commit. */
    public void commit() {
        lockedRun(Locks.COMMIT, () -> {
            if (commits.dirty() && !closed) {
                commitNow();
            }
        });
    }

    /** Called with commitLock held at the end of each unit of writes. */
    private void maybeCommit() {
        if (commitLock.getHoldCount() == 1 && commits.full()) {
            commitNow();
        }
    }

    private void commitIfDue() {
        lockedRun(Locks.COMMIT, () -> {
            try {
                if (commits.due() && !closed) {
                    commitNow();
                }
            } catch (RuntimeException e) {
                log.error("group commit failed: this store can no longer commit", e);
            }
        });
    }

    /** Writes meta beside the data and commits both. Called with commitLock held, outside any unit. */
    private void commitNow() {
        long t0 = System.nanoTime();
        try {
            backend.setMeta(meta());
            backend.commit();
        } catch (RuntimeException e) {
            commits.failed(e);
            throw e;
        }
        commits.committed(t0);
    }

    /** The meta that goes with the data written so far; called with commitLock held. */
    private Meta meta() {
        return new Meta(applied.term(), applied.index(), currentRev, compactRev, scheduledCompact, finishedCompact,
                alarms, authBytes);
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /** Commits and closes. A closed store refuses every call. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        shutdownThreads();
        lockedRun(Locks.EVERYTHING, () -> {
            if (closed) {
                return;
            }
            if (commits.dirty()) {
                commitNow();
            }
            closed = true;
            backend.close();
            log.info("closed store {} at revision {}", config.dir(), currentRev);
        });
    }

    private void shutdownThreads() {
        // Not shutdownNow: interrupting a group commit in flight closes MapDB's file channels under it
        // (ClosedByInterruptException) and leaves its write-ahead log unable to commit again. A periodic task is
        // cancelled by shutdown; the one running finishes, and is waited for below.
        committer.shutdown();
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
}
