package raftkv.raft;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this member leads, and in which term: the one view every part of the member asks (the sender choosing
 * between its own Raft server and forwarding, the apply path, the lease clocks, the empty-entry producers). It is fed
 * by Ratis' own callbacks on the state machine, so asking it costs a volatile read, not a server lookup:
 * {@code notifyLeaderChanged} when a leader becomes known (this member, on winning an election) and
 * {@code notifyNotLeader} when this member's leadership ends.
 *
 * <p>Ratis does not report a leader that is lost without a successor (a follower that starts an election), so the
 * id of the leader is read from Ratis itself ({@link #leaderId}), as is everything in {@code RaftNode.status}.
 *
 * <p>Written on Ratis' threads (under its server lock: listeners must not block or call into the server); read from
 * any thread.
 */
final class Leadership {

    private static final Logger log = LoggerFactory.getLogger(Leadership.class);

    /** What a callback said: this member leads {@code term}, or does not ({@code term} 0). */
    private record View(long term) {
        boolean leading() {
            return term > 0;
        }
    }

    private final IntSupplier ratisLeaderId;
    private volatile View view = new View(0);
    private final List<Runnable> onNewLeader = new CopyOnWriteArrayList<>();

    /** {@code ratisLeaderId} asks Ratis which member it takes for the leader (0: none). */
    Leadership(IntSupplier ratisLeaderId) {
        this.ratisLeaderId = ratisLeaderId;
    }

    /** Whether this member leads now. */
    boolean isLeader() {
        return view.leading();
    }

    /**
     * The term this member leads, 0 when it does not lead. Term and role change together, so a leadership won or lost
     * in between two questions is never taken for one of the wrong term.
     */
    long leaderTerm() {
        return view.term();
    }

    /** The leader Ratis knows, 0 when it knows none. */
    int leaderId() {
        return ratisLeaderId.getAsInt();
    }

    /** Runs {@code listener} (on a Ratis thread: it must not block) each time a new leader becomes known. */
    void onNewLeader(Runnable listener) {
        onNewLeader.add(listener);
    }

    /** Ratis made {@code leader} the leader of {@code term}; {@code self} is whether that is this member. */
    void leaderChanged(boolean self, long term) {
        View was = view;
        view = new View(self ? term : 0);
        if (was.leading() && !self) {
            log.info("no longer leader (was in term {})", was.term());
        }
        for (Runnable r : onNewLeader) {
            r.run();
        }
    }

    /** Ratis ended this member's leadership (it stepped down, or the server is closing). */
    void steppedDown() {
        View was = view;
        view = new View(0);
        if (was.leading()) {
            log.info("stepped down as leader of term {}", was.term());
        }
    }
}
