package raftkv.raft;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.Alarm;
import raftkv.storage.ErrorCode;
import raftkv.storage.MvccStore;
import raftkv.storage.StorageException;
import raftkv.storage.StoreConfig;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.ResponseOp;
import raftkv.storage.request.TxnRequest;

/**
 * The Ratis state machine: decodes each committed entry and applies its commands to the {@link MvccStore}, in log
 * order, on Ratis' single apply thread. Thin by design: the semantics live in the store.
 *
 * <ul>
 *   <li>Each entry is applied inside {@link MvccStore#beginApply}, so its index is committed with its data, and an
 *       entry at or below the store's applied index (replayed after a restart) is skipped: nothing applies
 *       twice.</li>
 *   <li>A refused request fails only that request's client; nothing thrown here reaches Ratis, which would stop
 *       the server.</li>
 *   <li>Snapshots go through the store's snapshot API ({@link Snapshotter}); an installed snapshot is restored
 *       into the store by {@link #reinitialize()}; a store found behind the newest snapshot on start is restored
 *       from it.</li>
 *   <li>{@link #query} answers the read barrier: once Ratis has run it, the store holds everything committed
 *       before the read began.</li>
 * </ul>
 */
public final class KvStateMachine extends BaseStateMachine {

    private static final Logger log = LoggerFactory.getLogger(KvStateMachine.class);

    private final StoreConfig storeConfig;
    private final PendingProposals pending;
    private final RaftMetrics metrics;
    private final long snapshotThreshold;
    private final int memberId;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    /** The lease clocks' time, as the LeaseKeeper reads it. */
    private final MonotonicClock clock;
    private final CompletableFuture<Throwable> failed = new CompletableFuture<>();
    private volatile MvccStore store;
    private Snapshotter snapshotter;
    private final Leadership leadership;

    private final raftkv.raft.watch.WatchHub watches;

    KvStateMachine(StoreConfig storeConfig, PendingProposals pending, RaftMetrics metrics, int memberId,
                   long snapshotThreshold, java.time.Duration watchProgressInterval, MonotonicClock clock,
                   Leadership leadership) {
        this.memberId = memberId;
        this.leadership = leadership;
        this.clock = clock;
        this.storeConfig = storeConfig;
        this.pending = pending;
        this.metrics = metrics;
        this.snapshotThreshold = snapshotThreshold;
        this.watches = new raftkv.raft.watch.WatchHub(this::store, watchProgressInterval);
    }

    /** The watch hub, fed by this member's applies: watchers on any member see the same events. */
    public raftkv.raft.watch.WatchHub watches() {
        return watches;
    }

    /** The store; null until the state machine is initialized. */
    public MvccStore store() {
        return store;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().startAndTransition(() -> load(raftStorage), IOException.class);
    }

    private void load(RaftStorage raftStorage) throws IOException {
        storage.init(raftStorage);
        snapshotter = new Snapshotter(storage, snapshotThreshold, memberId);
        SingleFileSnapshotInfo snapshot = Snapshotter.latest(storage);
        if (snapshot != null) {
            // The newest snapshot is what this member rebuilds from and sends to others: a damaged one must stop it
            // here, not when it is needed.
            verifyIntact(snapshot);
        }
        store = openOrRebuild(snapshot);
        if (snapshot != null && snapshot.getIndex() > store.appliedIndex().index()) {
            log.info("store is at applied index {}, behind the snapshot at {}: restoring the snapshot",
                    store.appliedIndex().index(), snapshot.getIndex());
            restoreVerified(snapshot); // checked against its MD5 above
        }
        var applied = store.appliedIndex();
        if (applied.index() > 0) {
            updateLastAppliedTermIndex(applied.term(), applied.index());
        }
        store.onFailure(failed::complete);
        store.onChanges(watches::publish);
        store.onReplaced(watches::resyncAll);
        watches.start();
        log.info("state machine ready: store at applied index {} (term {}), revision {}", applied.index(),
                applied.term(), store.revision());
    }

    /**
     * Opens the store; if it was killed in the middle of a commit (see {@code Backend}), its file cannot be trusted,
     * so it is emptied and rebuilt like a lost store: from the newest snapshot, then the log after it (Ratis keeps
     * every entry after its newest snapshot). Without a snapshot the log still starts at entry 1, unless the store
     * was seeded from a snapshot into a new cluster; that one cannot be rebuilt here, and the member must be
     * replaced.
     */
    private MvccStore openOrRebuild(SingleFileSnapshotInfo snapshot) throws IOException {
        try {
            return MvccStore.open(storeConfig);
        } catch (StorageException e) {
            if (e.code() != ErrorCode.TORN_STORE) {
                throw e;
            }
            if (snapshot == null && MvccStore.isSeeded(storeConfig)) {
                throw new IOException(e.getMessage() + ", and it was seeded from a snapshot that no local snapshot or"
                        + " log covers: remove this member and add it back with an empty data directory", e);
            }
            log.warn("{}: rebuilding it from {}", e.getMessage(),
                    snapshot == null ? "the whole Raft log" : "snapshot " + snapshot.getIndex() + " and the log");
            MvccStore.discardTorn(storeConfig);
            return MvccStore.open(storeConfig);
        }
    }

    /** Whether a snapshot is being loaded (from its pause to the end of its reload), when nothing is applied. */
    boolean isLoadingSnapshot() {
        return getLifeCycleState() != org.apache.ratis.util.LifeCycle.State.RUNNING || reloadingThread != null;
    }

    /** Ratis pauses the state machine before it reloads it from an installed snapshot. */
    @Override
    public void pause() {
        if (getLifeCycleState() == org.apache.ratis.util.LifeCycle.State.RUNNING) {
            getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSING);
            getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSED);
        }
    }

    /**
     * After Ratis installed a snapshot from the leader: load it into the store, from the storage (not from what
     * was seen at start), and resume.
     *
     * <p>The leader may install a newer snapshot while this one is being restored (it saw the member still behind).
     * Ratis asks for that reload while this one runs, and then forgets it when this one ends (its updater sets its
     * state back to running), yet the newest snapshot is what its log starts after. So this loads snapshots until
     * the newest one in the storage is the one in the store, and {@link #getLatestSnapshot}, which Ratis asks right
     * after this on the same thread to learn what was loaded, does so once more; otherwise the store would miss the
     * entries between the two, or Ratis would wait forever for an entry its log no longer has.
     */
    @Override
    public void reinitialize() throws IOException {
        if (failed.isDone()) {
            throw new IOException("member " + memberId + " failed and installs nothing more: " + failed.join());
        }
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            throw new IOException("asked to reload, but there is no snapshot in " + storage);
        }
        log.info("installing snapshot at index {} (term {}) received from the leader", snapshot.getIndex(),
                snapshot.getTerm());
        restore(snapshot);
        loaded = loadNewerSnapshots(snapshot);
        reloadingThread = Thread.currentThread();
        if (getLifeCycleState() == org.apache.ratis.util.LifeCycle.State.PAUSED) {
            getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
            getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
        }
    }

    /**
     * Checks a snapshot file against the MD5 saved beside it, and refuses it, saying what to do, when they differ
     * (one flipped bit is enough). Reads the whole file.
     */
    static void verifyIntact(SingleFileSnapshotInfo snapshot) throws IOException {
        var path = snapshot.getFile().getPath();
        var saved = snapshot.getFile().getFileDigest();
        if (saved == null) {
            log.warn("snapshot {} has no MD5 file beside it: it cannot be verified", path);
            return;
        }
        var computed = MD5FileUtil.computeMd5ForFile(path.toFile());
        if (!computed.equals(saved)) {
            throw new IOException("snapshot " + path + " is corrupt: its MD5 is " + computed + ", but " + saved
                    + " was saved when it was written. This member's data cannot be trusted: remove its data"
                    + " directory and start it again (it then fetches everything from the other members), or"
                    + " remove it from the cluster and add it back as a new member");
        }
    }

    /**
     * Loads every snapshot installed since {@code loaded} was (see {@link #reinitialize}); returns the one the store
     * holds now. On Ratis' updater thread, with the state machine paused.
     */
    private SingleFileSnapshotInfo loadNewerSnapshots(SingleFileSnapshotInfo loaded) throws IOException {
        SingleFileSnapshotInfo snapshot = loaded;
        for (SingleFileSnapshotInfo newest = storage.loadLatestSnapshot();
             newest != null && newest.getIndex() > snapshot.getIndex(); newest = storage.loadLatestSnapshot()) {
            log.info("a newer snapshot (index {}) was installed while snapshot {} was loading: loading it too",
                    newest.getIndex(), snapshot.getIndex());
            snapshot = newest;
            restore(snapshot);
        }
        updateLastAppliedTermIndex(snapshot.getTerm(), snapshot.getIndex());
        snapshotter.installed(snapshot.getIndex());
        return snapshot;
    }

    /** The thread of a reload that has yet to ask {@link #getLatestSnapshot}; see {@link #reinitialize}. */
    private volatile Thread reloadingThread;
    /** The snapshot the last reload put in the store. Owned by Ratis' updater thread. */
    private SingleFileSnapshotInfo loaded;

    /** Checks a snapshot against its MD5, then loads it into the store. */
    private void restore(SingleFileSnapshotInfo snapshot) throws IOException {
        verifyIntact(snapshot);
        restoreVerified(snapshot);
    }

    /** Loads a snapshot already checked against its MD5 into the store (the MD5 check reads the whole file). */
    private void restoreVerified(SingleFileSnapshotInfo snapshot) throws IOException {
        var path = snapshot.getFile().getPath();
        long t0 = System.nanoTime();
        try (InputStream in = Files.newInputStream(path)) {
            var info = store.restore(in);
            if (info.appliedIndex() != snapshot.getIndex()) {
                throw new IOException("snapshot file " + path + " holds applied index " + info.appliedIndex()
                        + ", not " + snapshot.getIndex() + " as its name says");
            }
        } catch (StorageException e) {
            throw new IOException("refused snapshot " + path + ": " + e.getMessage(), e);
        }
        log.info("restored snapshot {} into the store in {} ms: revision {}", path.getFileName(),
                (System.nanoTime() - t0) / 1_000_000, store.revision());
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex ti = TermIndex.valueOf(entry);
        if (failed.isDone()) {
            return CompletableFuture.failedFuture(new IOException("member " + memberId + " failed and applies nothing"
                    + " more: " + failed.join()));
        }
        long t0 = System.nanoTime();
        if (ti.getIndex() <= store.appliedIndex().index()) {
            // Already in the store: a replay after a restart (Ratis replays from its snapshot index).
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        LogEntry decoded;
        try {
            decoded = EntryCodec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
        } catch (EntryCodec.MalformedEntryException e) {
            // Skipping a committed entry would make this member diverge from those that can apply it (a newer
            // member's entry in a rolling upgrade, say). So it stops, as etcd does, with the entry not applied: a
            // restart meets it again, until a version that understands it runs here.
            String why = "committed entry " + ti + " cannot be decoded (" + e.getMessage() + "); this member cannot"
                    + " apply it and must not skip it. Was it written by a newer version of raftkv? Run that version"
                    + " here (members of a cluster are upgraded together)";
            log.error(why);
            failed.complete(new IllegalStateException(why, e));
            return CompletableFuture.failedFuture(failed.join());
        }
        boolean mine = decoded.proposer() == pending.proposer();
        // The leader answers a forwarding follower through the Ratis reply (see ResultCodec); other members'
        // replies go nowhere. The role is the one Ratis gave the transaction: the leader's own for entries it
        // appended, the member's current one for the rest.
        boolean answer = !mine && !decoded.proposals().isEmpty()
                && trx.getServerRole() == org.apache.ratis.proto.RaftProtos.RaftPeerRole.LEADER;
        List<ApplyOutcome> outcomes = mine || answer ? new ArrayList<>(decoded.proposals().size()) : null;
        try (MvccStore.ApplyScope scope = store.beginApply(ti.getTerm(), ti.getIndex())) {
            for (Proposal p : decoded.proposals()) {
                ApplyOutcome outcome = apply(p.command(), ti.getTerm());
                if (outcomes != null) {
                    // An alarm's answer lists this member's alarms: its proposer waits for its own apply.
                    outcomes.add(answer && p.command().unwrapped() instanceof Command.Alarm ? ApplyOutcome.LOCAL
                            : outcome);
                }
            }
        }
        updateLastAppliedTermIndex(ti);
        if (mine) {
            for (int i = 0; i < outcomes.size(); i++) {
                outcomes.get(i).answer(pending, decoded.proposals().get(i).seq());
            }
        }
        metrics.applied(decoded.proposals().size(), System.nanoTime() - t0);
        return CompletableFuture.completedFuture(answer
                ? Message.valueOf(UnsafeByteOperations.unsafeWrap(ResultCodec.encode(outcomes))) : Message.EMPTY);
    }

    /** Applies one command of an entry of {@code term}. Never throws. */
    private ApplyOutcome apply(Command command, long term) {
        try {
            return new ApplyOutcome.Applied(CommandApplier.apply(store, command, term));
        } catch (StorageException e) {
            return new ApplyOutcome.Refused(e);
        } catch (RuntimeException e) {
            // Not a refusal but a failure of this member (for instance its disk): the entry is applied only in
            // part here, so this member must not go on applying. The owner stops it (see failed()).
            log.error("applying {} failed: this member cannot go on", command, e);
            failed.complete(e);
            return new ApplyOutcome.Failed(e);
        }
    }


    /**
     * A log entry that is not ours (configuration, leader no-op). On a replay after a restart it may lie below what
     * the store already holds; Ratis' default would then move the applied index backwards and stop the server.
     */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        confirmLeadership();
        if (failed.isDone()) {
            // Nothing moves past an entry this member could not apply (until the process stops): a no-op or
            // configuration entry marked applied here would carry the applied index over it, and a restart would
            // then skip it and every refused entry after it.
            return;
        }
        TermIndex last = getLastAppliedTermIndex();
        if (last != null && index <= last.getIndex()) {
            return;
        }
        if (index > store.appliedIndex().index()) {
            store.markApplied(term, index);
        }
        updateLastAppliedTermIndex(term, index);
    }

    /**
     * Read-only queries, run by Ratis once the read index is applied here: the read barrier (nothing to compute),
     * and the lease questions, which only the leader answers because only it runs the lease clocks.
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        Query q;
        try {
            q = Query.decode(request.getContent().toByteArray());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (q instanceof Query.Barrier) {
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        if (!leadership.isLeader()) {
            return CompletableFuture.failedFuture(new IllegalStateException("not the leader: lease clocks run there"));
        }
        long now = clock.millis();
        Query.LeaseState state;
        if (q instanceof Query.LeaseRenew r) {
            long ttl = store.leaseClocks().renew(r.id(), now);
            state = new Query.LeaseState(r.id(), ttl, Math.max(0, ttl), List.of());
        } else {
            Query.LeaseTimeToLive t = (Query.LeaseTimeToLive) q;
            raftkv.storage.lease.Lease l = store.lease(t.id());
            state = l == null ? new Query.LeaseState(t.id(), -1, 0, List.of())
                    : new Query.LeaseState(t.id(), l.remainingSeconds(now), l.ttlSeconds(),
                    t.keys() ? l.keys() : List.of());
        }
        return CompletableFuture.completedFuture(Message.valueOf(
                org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations.unsafeWrap(Query.encode(state))));
    }

    @Override
    public long takeSnapshot() {
        if (failed.isDone()) {
            // The store may hold an entry applied in part, or stop before one it could not apply: no new snapshot.
            return snapshotter.durableIndex();
        }
        return snapshotter.take(store);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /**
     * Ratis could not write this member's log (a full disk, an I/O error). As a leader it may then go on as a
     * follower that can append nothing; either way the member is of no more use and must stop (see failed()).
     */
    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        log.error("the Raft log could not be written{}: this member cannot go on",
                failedEntry == null ? "" : " at entry " + failedEntry.getIndex(), cause);
        failed.complete(cause);
    }

    /**
     * Completes when this member can no longer apply entries correctly (its store could not commit, or an entry
     * failed half-way): it must stop, and a restart recovers it from its last commit, snapshot and log.
     */
    public CompletableFuture<Throwable> failed() {
        return failed;
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        if (reloadingThread == Thread.currentThread()) {
            // Ratis' reload asks this right after reinitialize, and takes the answer as what was loaded: a snapshot
            // installed in between must be loaded before it is named (see reinitialize).
            reloadingThread = null;
            try {
                loaded = loadNewerSnapshots(loaded);
                return loaded;
            } catch (IOException e) {
                failed.complete(e);
                throw new java.io.UncheckedIOException(e);
            }
        }
        return Snapshotter.latest(storage);
    }

    /** On a Ratis thread holding its server lock (see {@link Leadership}). */
    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        DivisionInfo info = divisionInfo();
        long term = info == null ? 0 : info.getCurrentTerm();
        log.info("leader is now {} in term {} (seen by {})", newLeaderId, term, groupMemberId.getPeerId());
        metrics.leaderChanged();
        leadership.leaderChanged(newLeaderId.equals(groupMemberId.getPeerId()), term);
    }

    @Override
    public void notifyNotLeader(java.util.Collection<TransactionContext> pendingEntries) {
        DivisionInfo info = divisionInfo();
        leadership.steppedDown(info == null ? 0 : info.getCurrentTerm());
    }

    /**
     * A new leader's first entry is applied here (on the leader, once committed): Ratis says whether this member leads,
     * read without its lock, so the term is read on both sides of the role and the reading kept only when they agree.
     * A backstop for the announcement at election (see {@link Leadership}), never the end of a leadership.
     */
    private void confirmLeadership() {
        DivisionInfo info = divisionInfo();
        if (info == null) {
            return;
        }
        long before = info.getCurrentTerm();
        boolean leading = info.isLeader();
        if (leading && info.getCurrentTerm() == before) {
            leadership.confirmedLeading(before);
        }
    }

    /** Ratis' view of this member, null while the server is not reachable (starting, closing). */
    private DivisionInfo divisionInfo() {
        try {
            return getServer().get().getDivision(getGroupId()).getInfo();
        } catch (IOException | java.util.concurrent.ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        watches.close();
        if (snapshotter != null) {
            snapshotter.close();
        }
        MvccStore s = store;
        if (s != null) {
            s.close();
        }
        super.close();
    }
}
