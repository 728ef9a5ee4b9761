package raftkv.raft;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this member leads, and in which term: the one view every part of the member asks (the sender choosing
 * between its own Raft server and forwarding, the lease clocks, the read barriers, the empty-entry producers). It is
 * fed by Ratis' own callbacks on the state machine, so asking it costs a volatile read, not a server lookup.
 * {@code notifyLeaderChanged} and {@code notifyNotLeader} run under Ratis' server lock, so what they say is
 * consistent with Ratis' state: they alone start and end a leadership. {@code notifyTermIndexUpdated} (on the apply
 * thread, for every new leader's first entry) may only confirm one, and only for a term whose leadership has not
 * ended: it reads Ratis without its lock, so its reading may be stale by the time it arrives, and a stale "leader" must
 * not bring back a leadership that is over (a member leads a term at most once), nor a stale "not leader" end one.
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
    /** The highest term whose leadership ended here, or that another member leads. */
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

    /**
     * Ratis announced a new leader of {@code currentTerm} (under its server lock): this member ({@code self}) or
     * another.
     */
    void leaderChanged(boolean self, long currentTerm) {
        synchronized (this) {
            if (self) {
                lead(currentTerm);
            } else {
                end(currentTerm);
            }
        }
        for (Runnable r : onNewLeader) {
            r.run();
        }
    }

    /**
     * Ratis said, without its lock, that this member leads {@code currentTerm}: taken unless that term's leadership
     * has ended since.
     */
    synchronized void confirmedLeading(long currentTerm) {
        lead(currentTerm);
    }

    /** Ratis ended this member's leadership (under its server lock: it stepped down, or the server is closing). */
    synchronized void steppedDown(long currentTerm) {
        end(currentTerm);
    }

    private void lead(long currentTerm) {
        if (currentTerm > ended && currentTerm != term) {
            term = currentTerm;
            log.info("leading term {}", currentTerm);
        }
    }

    private void end(long currentTerm) {
        long was = term;
        ended = Math.max(ended, Math.max(was, currentTerm));
        term = 0;
        if (was > 0) {
            log.info("no longer leader (was in term {})", was);
        }
    }
}
