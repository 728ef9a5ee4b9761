package raftkv.storage.auth;

import raftkv.storage.KeyRange;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

/**
 * What a key-value request needs, as etcd decides it: a range READ over its keys; a put WRITE on its key, and READ
 * too if it asks for the previous value; a delete WRITE over its range (and READ with the previous values); a txn
 * READ for each compare, and what each of its operations needs, in both branches, whichever runs. Used by the
 * member that receives a request and, when the auth state changed before it was applied, by the apply again.
 */
public final class RequestPermissions {

    private RequestPermissions() {
    }

    /** Refuses {@code op} by {@code user} unless {@code state} permits all of it; passes while auth is off. */
    public static void check(AuthState state, String user, RequestOp op) {
        if (op instanceof RangeRequest r) {
            state.check(user, Permission.Type.READ, new KeyRange(r.key(), r.rangeEnd()));
        } else if (op instanceof PutRequest p) {
            KeyRange key = KeyRange.single(p.key());
            state.check(user, Permission.Type.WRITE, key);
            if (p.prevKv()) {
                state.check(user, Permission.Type.READ, key);
            }
        } else if (op instanceof DeleteRangeRequest d) {
            KeyRange keys = new KeyRange(d.key(), d.rangeEnd());
            state.check(user, Permission.Type.WRITE, keys);
            if (d.prevKv()) {
                state.check(user, Permission.Type.READ, keys);
            }
        } else if (op instanceof TxnRequest t) {
            for (Compare c : t.compare()) {
                state.check(user, Permission.Type.READ, new KeyRange(c.key(), c.rangeEnd()));
            }
            for (RequestOp o : t.success()) {
                check(state, user, o);
            }
            for (RequestOp o : t.failure()) {
                check(state, user, o);
            }
        }
    }
}
