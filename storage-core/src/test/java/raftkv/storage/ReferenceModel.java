package raftkv.storage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.DeleteRangeResponse;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.ResponseOp;
import raftkv.storage.request.TxnRequest;
import raftkv.storage.request.TxnResponse;

/**
 * An obviously correct, obviously slow model of etcd's key-value semantics for the model-based test: it keeps a
 * full copy of the key space for every revision and never forgets anything; compaction only moves the line below
 * which reads are refused. Keys are ASCII strings, whose natural order is etcd's byte order.
 *
 * <p>Request validation (duplicate keys, op counts) is not modelled: the test's generator knows which requests it
 * made invalid and expects the error.
 */
final class ReferenceModel {

    /** states.get(r) is the key space at revision r; revision 0 is unused, revision 1 is the empty store. */
    private final List<NavigableMap<String, KeyValue>> states = new ArrayList<>();
    /** events.get(r) are the changes made at revision r, in sub-revision order. */
    private final List<List<Event>> events = new ArrayList<>();
    private final Map<Long, Long> leases = new TreeMap<>();
    private long compactRev;

    ReferenceModel() {
        states.add(new TreeMap<>());
        states.add(new TreeMap<>());
        events.add(List.of());
        events.add(List.of());
    }

    long revision() {
        return states.size() - 1;
    }

    long compactRevision() {
        return compactRev;
    }

    NavigableMap<String, KeyValue> current() {
        return states.get((int) revision());
    }

    Map<Long, Long> leases() {
        return leases;
    }

    // ------------------------------------------------------------------------------------------------ reads

    RangeResponse range(RangeRequest r) {
        return range(r, current(), revision(), revision());
    }

    /** A range as seen from inside a txn: {@code view} is the txn's working state at revision {@code viewRev}. */
    private RangeResponse range(RangeRequest r, NavigableMap<String, KeyValue> view, long viewRev, long headerRev) {
        long rev = r.revision();
        if (rev > viewRev) {
            throw new StorageException(ErrorCode.FUTURE_REVISION);
        }
        NavigableMap<String, KeyValue> state = rev <= 0 || rev == viewRev ? view : states.get((int) rev);
        if (rev <= 0) {
            rev = viewRev;
        }
        if (rev < compactRev) {
            throw new StorageException(ErrorCode.COMPACTED);
        }
        List<KeyValue> found = inRange(state, r.range());
        long count = found.size();
        if (r.countOnly()) {
            return new RangeResponse(headerRev, List.of(), false, count);
        }
        List<KeyValue> kvs = new ArrayList<>();
        for (KeyValue kv : found) {
            if ((r.minModRevision() == 0 || kv.modRevision() >= r.minModRevision())
                    && (r.maxModRevision() == 0 || kv.modRevision() <= r.maxModRevision())
                    && (r.minCreateRevision() == 0 || kv.createRevision() >= r.minCreateRevision())
                    && (r.maxCreateRevision() == 0 || kv.createRevision() <= r.maxCreateRevision())) {
                kvs.add(kv);
            }
        }
        Comparator<KeyValue> by = switch (r.sortTarget()) {
            case KEY -> (a, b) -> Bytes.compare(a.key(), b.key());
            case VERSION -> Comparator.comparingLong(KeyValue::version);
            case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
            case MOD -> Comparator.comparingLong(KeyValue::modRevision);
            case VALUE -> (a, b) -> Bytes.compare(a.value(), b.value());
        };
        if (r.sortOrder() == RangeRequest.SortOrder.DESCEND) {
            kvs.sort(by.reversed());
        } else if (r.sortOrder() == RangeRequest.SortOrder.ASCEND || r.sortTarget() != RangeRequest.SortTarget.KEY) {
            kvs.sort(by);
        }
        boolean more = r.limit() > 0 && kvs.size() > r.limit();
        if (more) {
            kvs = new ArrayList<>(kvs.subList(0, (int) r.limit()));
        }
        if (r.keysOnly()) {
            kvs.replaceAll(KeyValue::withoutValue);
        }
        return new RangeResponse(headerRev, kvs, more, count);
    }

    private static List<KeyValue> inRange(NavigableMap<String, KeyValue> state, KeyRange range) {
        List<KeyValue> out = new ArrayList<>();
        for (KeyValue kv : state.values()) {
            if (range.contains(kv.key())) {
                out.add(kv);
            }
        }
        return out;
    }

    /** Every event from {@code fromRev} on, for keys in {@code range}. */
    List<Event> changes(long fromRev, KeyRange range) {
        if (fromRev <= compactRev) {
            throw new StorageException(ErrorCode.COMPACTED);
        }
        List<Event> out = new ArrayList<>();
        for (long r = Math.max(fromRev, 1); r <= revision(); r++) {
            for (Event e : events.get((int) r)) {
                if (range.contains(e.kv().key())) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ writes

    /** A write in progress: a working copy of the key space and the events made so far. */
    private final class Write {
        final long rev = revision() + 1;
        final NavigableMap<String, KeyValue> work = new TreeMap<>(current());
        final List<Event> made = new ArrayList<>();

        void put(String key, byte[] value, long lease) {
            KeyValue prev = work.get(key);
            KeyValue kv = new KeyValue(TestKeys.b(key), prev == null ? rev : prev.createRevision(), rev,
                    prev == null ? 1 : prev.version() + 1, value, lease);
            work.put(key, kv);
            made.add(new Event(Event.Type.PUT, kv, prev));
        }

        long delete(KeyRange range) {
            List<KeyValue> doomed = inRange(work, range);
            for (KeyValue kv : doomed) {
                work.remove(TestKeys.s(kv.key()));
                made.add(new Event(Event.Type.DELETE, KeyValue.tombstone(kv.key(), rev), kv));
            }
            return doomed.size();
        }

        long finalRevision() {
            return made.isEmpty() ? rev - 1 : rev;
        }

        void commit() {
            if (!made.isEmpty()) {
                states.add(work);
                events.add(List.copyOf(made));
            }
        }
    }

    PutResponse put(PutRequest p) {
        Write w = new Write();
        PutResponse r = put(w, p);
        w.commit();
        return new PutResponse(w.finalRevision(), r.prevKv());
    }

    private PutResponse put(Write w, PutRequest p) {
        String key = TestKeys.s(p.key());
        KeyValue prev = w.work.get(key);
        if ((p.ignoreValue() || p.ignoreLease()) && prev == null) {
            throw new StorageException(ErrorCode.KEY_NOT_FOUND);
        }
        long lease = p.ignoreLease() ? prev.lease() : p.lease();
        if (p.lease() != 0 && !leases.containsKey(p.lease())) {
            throw new StorageException(ErrorCode.LEASE_NOT_FOUND);
        }
        w.put(key, p.ignoreValue() ? prev.value() : p.value(), lease);
        return new PutResponse(0, p.prevKv() ? prev : null);
    }

    DeleteRangeResponse deleteRange(DeleteRangeRequest d) {
        Write w = new Write();
        DeleteRangeResponse r = deleteRange(w, d);
        w.commit();
        return new DeleteRangeResponse(w.finalRevision(), r.deleted(), r.prevKvs());
    }

    private DeleteRangeResponse deleteRange(Write w, DeleteRangeRequest d) {
        List<KeyValue> prev = d.prevKv() ? inRange(w.work, d.range()) : List.of();
        return new DeleteRangeResponse(0, w.delete(d.range()), prev);
    }

    TxnResponse txn(TxnRequest t) {
        Write w = new Write();
        NavigableMap<String, KeyValue> before = current();
        check(t, before);
        TxnResponse r = run(w, t, before);
        w.commit();
        return (TxnResponse) stamp(r, w.finalRevision());
    }

    /** The checks etcd makes on the branches a txn will take, against the state before it, in op order. */
    private void check(TxnRequest t, NavigableMap<String, KeyValue> before) {
        for (RequestOp op : holds(t, before) ? t.success() : t.failure()) {
            if (op instanceof PutRequest p) {
                if ((p.ignoreValue() || p.ignoreLease()) && !before.containsKey(TestKeys.s(p.key()))) {
                    throw new StorageException(ErrorCode.KEY_NOT_FOUND);
                }
                if (p.lease() != 0 && !leases.containsKey(p.lease())) {
                    throw new StorageException(ErrorCode.LEASE_NOT_FOUND);
                }
            } else if (op instanceof RangeRequest r) {
                if (r.revision() > revision()) {
                    throw new StorageException(ErrorCode.FUTURE_REVISION);
                }
                if (r.revision() > 0 && r.revision() < compactRev) {
                    throw new StorageException(ErrorCode.COMPACTED);
                }
            } else if (op instanceof TxnRequest nested) {
                check(nested, before);
            }
        }
    }

    private TxnResponse run(Write w, TxnRequest t, NavigableMap<String, KeyValue> before) {
        boolean ok = holds(t, before);
        List<ResponseOp> out = new ArrayList<>();
        for (RequestOp op : ok ? t.success() : t.failure()) {
            if (op instanceof RangeRequest r) {
                long viewRev = w.made.isEmpty() ? w.rev - 1 : w.rev;
                out.add(range(r, w.work, viewRev, 0));
            } else if (op instanceof PutRequest p) {
                out.add(put(w, p));
            } else if (op instanceof DeleteRangeRequest d) {
                out.add(deleteRange(w, d));
            } else {
                out.add(run(w, (TxnRequest) op, before));
            }
        }
        return new TxnResponse(0, ok, out);
    }

    private static boolean holds(TxnRequest t, NavigableMap<String, KeyValue> state) {
        for (Compare c : t.compare()) {
            List<KeyValue> kvs = inRange(state, c.range());
            if (kvs.isEmpty()) {
                if (c.target() == Compare.Target.VALUE) {
                    return false;
                }
                kvs = List.of(new KeyValue(c.key(), 0, 0, 0, new byte[0], 0));
            }
            for (KeyValue kv : kvs) {
                int cmp = switch (c.target()) {
                    case VALUE -> Bytes.compare(kv.value(), c.value());
                    case VERSION -> Long.compare(kv.version(), c.number());
                    case CREATE -> Long.compare(kv.createRevision(), c.number());
                    case MOD -> Long.compare(kv.modRevision(), c.number());
                    case LEASE -> Long.compare(kv.lease(), c.number());
                };
                boolean ok = switch (c.result()) {
                    case EQUAL -> cmp == 0;
                    case NOT_EQUAL -> cmp != 0;
                    case GREATER -> cmp > 0;
                    case LESS -> cmp < 0;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    private static ResponseOp stamp(ResponseOp r, long rev) {
        if (r instanceof RangeResponse rr) {
            return new RangeResponse(rev, rr.kvs(), rr.more(), rr.count());
        } else if (r instanceof PutResponse pr) {
            return new PutResponse(rev, pr.prevKv());
        } else if (r instanceof DeleteRangeResponse dr) {
            return new DeleteRangeResponse(rev, dr.deleted(), dr.prevKvs());
        }
        TxnResponse tr = (TxnResponse) r;
        return new TxnResponse(rev, tr.succeeded(), tr.responses().stream().map(x -> stamp(x, rev)).toList());
    }

    // ------------------------------------------------------------------------------------------------ leases

    void grant(long id, long ttl) {
        if (leases.containsKey(id)) {
            throw new StorageException(ErrorCode.LEASE_EXISTS);
        }
        leases.put(id, ttl);
    }

    long revoke(long id) {
        if (!leases.containsKey(id)) {
            throw new StorageException(ErrorCode.LEASE_NOT_FOUND);
        }
        Write w = new Write();
        for (KeyValue kv : List.copyOf(w.work.values())) {
            if (kv.lease() == id) {
                w.delete(KeyRange.single(kv.key()));
            }
        }
        leases.remove(id);
        w.commit();
        return w.finalRevision();
    }

    /** Keys attached to lease {@code id}, in key order. */
    List<String> keysOf(long id) {
        List<String> out = new ArrayList<>();
        for (KeyValue kv : current().values()) {
            if (kv.lease() == id) {
                out.add(TestKeys.s(kv.key()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ history

    void compact(long rev) {
        if (rev <= compactRev) {
            throw new StorageException(ErrorCode.COMPACTED);
        }
        if (rev > revision()) {
            throw new StorageException(ErrorCode.FUTURE_REVISION);
        }
        compactRev = rev;
    }
}
