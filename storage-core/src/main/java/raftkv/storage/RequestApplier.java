package raftkv.storage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.DeleteRangeResponse;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeRequest.SortOrder;
import raftkv.storage.request.RangeRequest.SortTarget;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.ResponseOp;
import raftkv.storage.request.TxnRequest;
import raftkv.storage.request.TxnResponse;

/**
 * Runs client requests on store transactions with etcd's semantics (its {@code apply.go}): range options, put and
 * delete options, and txns, whose compares are all evaluated against the state before the txn and whose checks
 * all pass before its first write, so that a refused txn changes nothing.
 *
 * <p>Holds no state and reaches the store only through the transaction it is given, on the thread that owns it.
 */
final class RequestApplier {

    RangeResponse range(ReadTxn txn, RangeRequest r) {
        SortOrder order = r.sortOrder();
        if (r.sortTarget() != SortTarget.KEY && order == SortOrder.NONE) {
            order = SortOrder.ASCEND;
        } else if (r.sortTarget() == SortTarget.KEY && order == SortOrder.ASCEND) {
            order = SortOrder.NONE; // the index already returns key order
        }
        boolean filters = r.minModRevision() != 0 || r.maxModRevision() != 0 || r.minCreateRevision() != 0
                || r.maxCreateRevision() != 0;
        long limit = r.limit();
        if (order != SortOrder.NONE || filters) {
            // Fetch everything, then filter, sort and cut. (etcd decides this before defaulting the sort order,
            // so a limited range sorted by a target other than the key, with no order given, sorts only the first
            // keys; we sort all of them.)
            limit = 0;
        } else if (limit > 0) {
            limit++; // one extra tells whether there is more
        }
        ReadTxn.RangeResult rr = txn.range(r.range(), new ReadTxn.RangeOptions(limit, r.revision(), r.countOnly()));
        List<KeyValue> kvs = rr.kvs();
        if (filters) {
            kvs = filter(kvs, r);
        }
        if (order != SortOrder.NONE) {
            // A stable sort over key-ordered input: equal targets stay in key order either way.
            Comparator<KeyValue> cmp = comparator(r.sortTarget());
            kvs = new ArrayList<>(kvs);
            kvs.sort(order == SortOrder.DESCEND ? cmp.reversed() : cmp);
        }
        boolean more = false;
        if (r.limit() > 0 && kvs.size() > r.limit()) {
            kvs = kvs.subList(0, (int) r.limit());
            more = true;
        }
        if (r.keysOnly()) {
            List<KeyValue> stripped = new ArrayList<>(kvs.size());
            for (KeyValue kv : kvs) {
                stripped.add(kv.withoutValue());
            }
            kvs = stripped;
        }
        return new RangeResponse(rr.revision(), List.copyOf(kvs), more, rr.count());
    }

    private static List<KeyValue> filter(List<KeyValue> kvs, RangeRequest r) {
        Predicate<KeyValue> keep = kv -> (r.maxModRevision() == 0 || kv.modRevision() <= r.maxModRevision())
                && (r.minModRevision() == 0 || kv.modRevision() >= r.minModRevision())
                && (r.maxCreateRevision() == 0 || kv.createRevision() <= r.maxCreateRevision())
                && (r.minCreateRevision() == 0 || kv.createRevision() >= r.minCreateRevision());
        List<KeyValue> out = new ArrayList<>(kvs.size());
        for (KeyValue kv : kvs) {
            if (keep.test(kv)) {
                out.add(kv);
            }
        }
        return out;
    }

    private static Comparator<KeyValue> comparator(SortTarget target) {
        return switch (target) {
            case KEY -> (a, b) -> Bytes.compare(a.key(), b.key());
            case VERSION -> Comparator.comparingLong(KeyValue::version);
            case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
            case MOD -> Comparator.comparingLong(KeyValue::modRevision);
            case VALUE -> (a, b) -> Bytes.compare(a.value(), b.value());
        };
    }

    PutResponse put(StoreWriteTxn txn, PutRequest p) {
        checkPut(txn, p);
        KeyValue prev = null;
        if (p.prevKv() || p.ignoreValue() || p.ignoreLease()) {
            prev = single(txn, p.key());
        }
        byte[] value = p.ignoreValue() ? prev.value() : p.value();
        long lease = p.ignoreLease() ? prev.lease() : p.lease();
        txn.put(p.key(), value, lease);
        return new PutResponse(txn.revision(), p.prevKv() ? prev : null);
    }

    /** What a put needs of the state: its lease, and for ignore_value/ignore_lease an existing key. */
    private static void checkPut(StoreWriteTxn txn, PutRequest p) {
        if ((p.ignoreValue() || p.ignoreLease()) && single(txn, p.key()) == null) {
            throw new StorageException(ErrorCode.KEY_NOT_FOUND);
        }
        if (p.lease() != 0 && !txn.leaseExists(p.lease())) {
            throw new StorageException(ErrorCode.LEASE_NOT_FOUND);
        }
    }

    DeleteRangeResponse deleteRange(StoreWriteTxn txn, DeleteRangeRequest d) {
        List<KeyValue> prev = d.prevKv() ? txn.range(d.range(), ReadTxn.RangeOptions.LATEST).kvs() : List.of();
        long deleted = txn.deleteRange(d.range());
        return new DeleteRangeResponse(txn.revision(), deleted, prev);
    }

    TxnResponse txn(StoreWriteTxn txn, TxnRequest t) {
        List<Boolean> path = new ArrayList<>();
        compareToPath(txn, t, path);
        checkTxn(txn, t, path);
        TxnResponse resp = execute(txn, t, path, new int[] {0});
        return (TxnResponse) withRevision(resp, txn.revision());
    }

    /** Evaluates the compares of the txn and of every nested txn on the branches taken, before any write. */
    private static void compareToPath(ReadTxn txn, TxnRequest t, List<Boolean> path) {
        boolean ok = true;
        for (Compare c : t.compare()) {
            if (!applyCompare(txn, c)) {
                ok = false;
                break;
            }
        }
        path.add(ok);
        for (RequestOp op : ok ? t.success() : t.failure()) {
            if (op instanceof TxnRequest nested) {
                compareToPath(txn, nested, path);
            }
        }
    }

    private static boolean applyCompare(ReadTxn txn, Compare c) {
        List<KeyValue> kvs = txn.range(c.range(), ReadTxn.RangeOptions.LATEST).kvs();
        if (kvs.isEmpty()) {
            // A missing key has no value to compare (etcd cannot tell an empty value from none), but compares as
            // zero on every numeric target.
            return c.target() != Compare.Target.VALUE && compareKv(c, null);
        }
        for (KeyValue kv : kvs) {
            if (!compareKv(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean compareKv(Compare c, KeyValue kv) {
        int result = switch (c.target()) {
            case VALUE -> Integer.signum(Bytes.compare(kv.value(), c.value()));
            case VERSION -> Long.compare(kv == null ? 0 : kv.version(), c.number());
            case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(), c.number());
            case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(), c.number());
            case LEASE -> Long.compare(kv == null ? 0 : kv.lease(), c.number());
        };
        return switch (c.result()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
        };
    }

    /**
     * Every check of the branches the txn will take, against the state before it: puts' leases and expected keys,
     * ranges' revisions, and that the writes fit in one revision.
     */
    private void checkTxn(StoreWriteTxn txn, TxnRequest t, List<Boolean> path) {
        long[] writes = {0};
        checkBranch(txn, t, path, new int[] {0}, writes);
        if (writes[0] > Revision.MAX_SUB + 1) {
            throw new StorageException(ErrorCode.TOO_MANY_KEYS);
        }
    }

    private void checkBranch(StoreWriteTxn txn, TxnRequest t, List<Boolean> path, int[] at, long[] writes) {
        boolean ok = path.get(at[0]++);
        for (RequestOp op : ok ? t.success() : t.failure()) {
            if (op instanceof PutRequest p) {
                checkPut(txn, p);
                writes[0]++;
            } else if (op instanceof RangeRequest r) {
                if (r.revision() > txn.beginRevision()) {
                    throw new StorageException(ErrorCode.FUTURE_REVISION);
                }
                if (r.revision() > 0 && r.revision() < txn.compactRevision()) {
                    throw new StorageException(ErrorCode.COMPACTED);
                }
            } else if (op instanceof DeleteRangeRequest d) {
                // Keys live now bound what the delete can remove; puts before it in the txn are counted anyway.
                writes[0] += txn.countAtStart(d.range());
            } else if (op instanceof TxnRequest nested) {
                checkBranch(txn, nested, path, at, writes);
            }
        }
    }

    private TxnResponse execute(StoreWriteTxn txn, TxnRequest t, List<Boolean> path, int[] at) {
        boolean ok = path.get(at[0]++);
        List<RequestOp> ops = ok ? t.success() : t.failure();
        List<ResponseOp> responses = new ArrayList<>(ops.size());
        for (RequestOp op : ops) {
            responses.add(apply(txn, op, path, at));
        }
        return new TxnResponse(0, ok, responses);
    }

    private ResponseOp apply(StoreWriteTxn txn, RequestOp op, List<Boolean> path, int[] at) {
        if (op instanceof RangeRequest r) {
            return range(txn, r);
        } else if (op instanceof PutRequest p) {
            return put(txn, p);
        } else if (op instanceof DeleteRangeRequest d) {
            return deleteRange(txn, d);
        } else {
            return execute(txn, (TxnRequest) op, path, at);
        }
    }

    /** Stamps the revision after the whole txn on every response in it. */
    private static ResponseOp withRevision(ResponseOp r, long rev) {
        if (r instanceof RangeResponse rr) {
            return new RangeResponse(rev, rr.kvs(), rr.more(), rr.count());
        } else if (r instanceof PutResponse pr) {
            return new PutResponse(rev, pr.prevKv());
        } else if (r instanceof DeleteRangeResponse dr) {
            return new DeleteRangeResponse(rev, dr.deleted(), dr.prevKvs());
        } else {
            TxnResponse tr = (TxnResponse) r;
            List<ResponseOp> inner = new ArrayList<>(tr.responses().size());
            for (ResponseOp op : tr.responses()) {
                inner.add(withRevision(op, rev));
            }
            return new TxnResponse(rev, tr.succeeded(), inner);
        }
    }

    private static KeyValue single(ReadTxn txn, byte[] key) {
        List<KeyValue> kvs = txn.range(KeyRange.single(key), ReadTxn.RangeOptions.LATEST).kvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }
}
