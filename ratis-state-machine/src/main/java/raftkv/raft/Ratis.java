package raftkv.raft;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;

/** The small conversions between raftkv's terms and Ratis': member ids and peer ids, and a failed reply. */
final class Ratis {

    private Ratis() {
    }

    /** Member {@code id}'s Ratis peer id. */
    static RaftPeerId peerId(int id) {
        return RaftPeerId.valueOf("n" + id);
    }

    /** The member id of a Ratis peer id, 0 for none (or one raftkv did not name). */
    static int memberIdOf(RaftPeerId id) {
        if (id == null) {
            return 0;
        }
        try {
            return Integer.parseInt(id.toString().substring(1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The reply when it succeeded; its exception, thrown as a {@link CompletionException}, when it did not. */
    static RaftClientReply checkReply(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new CompletionException(reply.getException() != null ? reply.getException()
                    : new IOException("request failed: " + reply));
        }
        return reply;
    }
}
