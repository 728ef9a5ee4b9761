package raftkv.raft;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this member leads, and in which term: the one view every part of the member asks (the sender choosing
 * between its own Raft server and forwarding, the lease clocks, the read barriers, the empty-entry producers). It is
 * fed by Ratis' own callbacks on the state machine, so asking it costs a volatile read, not a server lookup: at
 * {@code notifyLeaderChanged} and {@code notifyTermIndexUpdated} the state machine tells it what Ratis says of this
 * member then (leader or not, current term), and {@code notifyNotLeader} ends a leadership. The second matters:
 * Ratis announces a leader only when the leader's id changes, so a member that steps down and wins the next election
 * without another leader in between gets no {@code notifyLeaderChanged}; the no-op entry every new leader commits
 * first calls {@code notifyTermIndexUpdated}, and that corrects the view.
 *
 * <p>A term whose leadership ended is never taken up again (a member leads a term at most once), so an observation
 * made just before a step-down and delivered just after it cannot revive a leadership that is over.
 *
 * <p>Ratis does not report a leader that is lost without a successor (a follower that starts an election), so the
 * id of the leader is read from Ratis itself ({@link #leaderId}), as is everything in {@code RaftNode.status}.
 *
 * <p>Written on Ratis' threads (some holding its server lock: listeners must not block or call into the server),
 * under this object's monitor; read from any thread.
 */
final class Leadership {

    private static final Logger log = LoggerFactory.getLogger(Leadership.class);

    private final IntSupplier ratisLeaderId;
    /** The term this member leads, 0 when it does not lead. */
    private volatile long term;
    /** The highest term whose leadership ended here (or which this member knew it did not lead). */
    private long ended;
    private final List<Runnable> onNewLeader = new CopyOnWriteArrayList<>();

    /** {@code ratisLeaderId} asks Ratis which member it takes for the leader (0: none). */
    Leadership(IntSupplier ratisLeaderId) {
        this.ratisLeaderId = ratisLeaderId;
    }

    /** Whether this member leads now. */
    boolean isLeader() {
        return term > 0;
    }

    /**
     * The term this member leads, 0 when it does not lead. Term and role change together, so a leadership won or lost
     * in between two questions is never taken for one of the wrong term.
     */
    long leaderTerm() {
        return term;
    }

    /** The leader Ratis knows, 0 when it knows none. */
    int leaderId() {
        return ratisLeaderId.getAsInt();
    }

    /** Runs {@code listener} (on a Ratis thread: it must not block) each time a new leader becomes known. */
    void onNewLeader(Runnable listener) {
        onNewLeader.add(listener);
    }

    /** Ratis announced a new leader; {@code leading} and {@code currentTerm} are what it says of this member now. */
    void leaderChanged(boolean leading, long currentTerm) {
        observed(leading, currentTerm);
        for (Runnable r : onNewLeader) {
            r.run();
        }
    }

    /** What Ratis says of this member now: whether it leads, and its current term. */
    synchronized void observed(boolean leading, long currentTerm) {
        long was = term;
        if (leading && currentTerm > ended && currentTerm != was) {
            term = currentTerm;
            log.info("leading term {}", currentTerm);
        } else if (!leading && was > 0) {
            end(was, currentTerm);
            log.info("no longer leader (was in term {})", was);
        }
    }

    /** Ratis ended this member's leadership (it stepped down, or the server is closing). */
    synchronized void steppedDown(long currentTerm) {
        long was = term;
        end(was, currentTerm);
        if (was > 0) {
            log.info("stepped down as leader of term {}", was);
        }
    }

    private void end(long led, long currentTerm) {
        // The current term too: a member that steps down because it saw a newer term never leads that one.
        ended = Math.max(ended, Math.max(led, currentTerm));
        term = 0;
    }
}
