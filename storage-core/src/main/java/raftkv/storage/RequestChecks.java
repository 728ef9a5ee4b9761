package raftkv.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

/**
 * Checks that need only the request, run before the store is touched (etcd's {@code v3rpc/key.go}): keys present,
 * option conflicts, txn size, no key written twice in one txn, and a lease grant's id and TTL.
 */
public final class RequestChecks {

    private RequestChecks() {
    }

    public static void checkRange(RangeRequest r) {
        requireKey(r.key());
        if (r.limit() < 0) {
            throw new StorageException(ErrorCode.INVALID_ARGUMENT, "field \"limit\": must not be negative (0: no limit)");
        }
    }

    public static void checkPut(PutRequest p) {
        requireKey(p.key());
        if (p.ignoreValue() && p.value().length != 0) {
            throw new StorageException(ErrorCode.VALUE_PROVIDED);
        }
        if (p.ignoreLease() && p.lease() != 0) {
            throw new StorageException(ErrorCode.LEASE_PROVIDED);
        }
    }

    public static void checkDeleteRange(DeleteRangeRequest d) {
        requireKey(d.key());
    }

    static void checkGrant(long id, long ttlSeconds) {
        if (id <= 0) {
            throw new StorageException(ErrorCode.INVALID_ARGUMENT, "lease id must be positive, got " + id);
        }
        if (ttlSeconds <= 0) {
            throw new StorageException(ErrorCode.INVALID_ARGUMENT, "lease TTL must be positive, got " + ttlSeconds);
        }
    }

    public static void checkTxn(TxnRequest t, int maxTxnOps) {
        checkTxnSize(t, maxTxnOps);
        // Overlaps are checked after the size check, which bounds the quadratic work below.
        checkIntervals(t.success());
        checkIntervals(t.failure());
    }

    /** Each level may hold at most the ops its parent leaves it: nesting cannot multiply the budget. */
    private static void checkTxnSize(TxnRequest t, int maxTxnOps) {
        int ops = Math.max(t.compare().size(), Math.max(t.success().size(), t.failure().size()));
        if (ops > maxTxnOps) {
            throw new StorageException(ErrorCode.TOO_MANY_OPS);
        }
        for (Compare c : t.compare()) {
            requireKey(c.key());
        }
        for (RequestOp op : t.success()) {
            checkOp(op, maxTxnOps - ops);
        }
        for (RequestOp op : t.failure()) {
            checkOp(op, maxTxnOps - ops);
        }
    }

    private static void checkOp(RequestOp op, int maxTxnOps) {
        if (op instanceof RangeRequest r) {
            checkRange(r);
        } else if (op instanceof PutRequest p) {
            checkPut(p);
        } else if (op instanceof DeleteRangeRequest d) {
            checkDeleteRange(d);
        } else if (op instanceof TxnRequest t) {
            checkTxnSize(t, maxTxnOps);
        }
    }

    /** The keys a branch puts and the ranges it deletes, as far as the duplicate check needs them. */
    private record Writes(TreeSet<byte[]> puts, List<KeyRange> deletes) {
    }

    /**
     * Refuses a branch that writes a key twice: two puts of one key, or a put inside a deleted range, at any depth.
     * The success and failure branches of a nested txn exclude each other, so each may put the same key.
     */
    private static Writes checkIntervals(List<RequestOp> ops) {
        List<KeyRange> deletes = new ArrayList<>();
        for (RequestOp op : ops) {
            if (op instanceof DeleteRangeRequest d) {
                deletes.add(d.range());
            }
        }
        TreeSet<byte[]> puts = new TreeSet<>(Bytes.ORDER);
        for (RequestOp op : ops) {
            if (!(op instanceof TxnRequest t)) {
                continue;
            }
            Writes then = checkIntervals(t.success());
            Writes otherwise = checkIntervals(t.failure());
            for (byte[] k : then.puts()) {
                if (puts.contains(k) || deleted(deletes, k)) {
                    throw duplicate(k);
                }
                puts.add(k);
            }
            for (byte[] k : otherwise.puts()) {
                if ((puts.contains(k) && !then.puts().contains(k)) || deleted(deletes, k)) {
                    throw duplicate(k);
                }
                puts.add(k);
            }
            deletes.addAll(then.deletes());
            deletes.addAll(otherwise.deletes());
        }
        for (RequestOp op : ops) {
            if (op instanceof PutRequest p) {
                if (puts.contains(p.key()) || deleted(deletes, p.key())) {
                    throw duplicate(p.key());
                }
                puts.add(p.key());
            }
        }
        return new Writes(puts, deletes);
    }

    private static boolean deleted(List<KeyRange> deletes, byte[] key) {
        for (KeyRange r : deletes) {
            if (r.contains(key)) {
                return true;
            }
        }
        return false;
    }

    private static StorageException duplicate(byte[] key) {
        return new StorageException(ErrorCode.DUPLICATE_KEY, ErrorCode.DUPLICATE_KEY.message() + ": "
                + Bytes.show(key));
    }

    private static void requireKey(byte[] key) {
        if (key == null || key.length == 0) {
            throw new StorageException(ErrorCode.EMPTY_KEY);
        }
    }
}
