package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyValue;
import raftkv.storage.StorageException;
import raftkv.storage.request.DeleteRangeResponse;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.ResponseOp;
import raftkv.storage.request.TxnResponse;

/**
 * The binary form of the outcomes of an entry's proposals, which the leader's apply returns as its Ratis reply so
 * that a follower that forwarded the entry can answer its clients at once, instead of waiting until it has learnt
 * the commit index and applied the entry itself (the leader's next append or heartbeat, often milliseconds later).
 * Apply is deterministic, so the leader's outcome is the one the follower would have computed.
 *
 * <pre>
 *   outcomes  := version(1) count(varint) outcome*
 *   outcome   := OK revision(varint) response | REFUSED code(u8) message(bytes) | LOCAL
 *   response  := NONE | tag revision(varint) body
 *   body      := PUT kv? | DELETE deleted(varint) kvs | RANGE kvs more(u8) count(varint)
 *              | TXN succeeded(u8) count(varint) response*
 *   kv?       := 0 | 1 key value create(varint) mod(varint) version(varint) lease(zigzag)
 * </pre>
 *
 * LOCAL marks an outcome the leader does not ship (an alarm change, whose answer lists the member's own alarms):
 * its proposer waits for its own apply, as it does when the reply carries nothing at all.
 */
final class ResultCodec {

    static final byte VERSION = 1;

    private static final int OK = 1;
    private static final int REFUSED = 2;
    private static final int LOCAL = 3;

    private static final int NONE = 0;
    private static final int PUT = 1;
    private static final int DELETE = 2;
    private static final int RANGE = 3;
    private static final int TXN = 4;

    private static final int MAX_DEPTH = 64;

    private ResultCodec() {
    }

    /** Encodes outcomes as the apply returns them; a {@link ApplyOutcome.Failed} or {@code Local} is not shipped. */
    static byte[] encode(List<ApplyOutcome> outcomes) {
        ByteWriter w = new ByteWriter(16 + 16 * outcomes.size());
        w.out.write(VERSION);
        w.var(outcomes.size());
        for (ApplyOutcome o : outcomes) {
            if (o instanceof ApplyOutcome.Applied a) {
                w.out.write(OK);
                w.var(a.result().revision());
                writeResponse(w, a.result().response());
            } else if (o instanceof ApplyOutcome.Refused r) {
                w.out.write(REFUSED);
                w.out.write(r.reason().code().ordinal());
                w.bytes(String.valueOf(r.reason().getMessage()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                w.out.write(LOCAL);
            }
        }
        return w.out.toByteArray();
    }

    /**
     * Decodes outcomes: each {@link ApplyOutcome.Applied}, {@link ApplyOutcome.Refused}, or {@link ApplyOutcome.Local}
     * where the proposer must wait for its own apply.
     *
     * @throws EntryCodec.MalformedEntryException if the bytes are not outcomes of this version
     */
    static List<ApplyOutcome> decode(byte[] data) {
        ByteReader r = new ByteReader(data);
        int version = r.u8();
        if (version != VERSION) {
            throw new EntryCodec.MalformedEntryException("unknown outcome format version " + version);
        }
        int n = r.count();
        List<ApplyOutcome> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tag = r.u8();
            switch (tag) {
                case OK -> {
                    long revision = r.var();
                    out.add(new ApplyOutcome.Applied(new CommandResult(revision, readResponse(r, 0))));
                }
                case REFUSED -> {
                    ErrorCode code = r.oneOf(ErrorCode.values());
                    out.add(new ApplyOutcome.Refused(new StorageException(code,
                            new String(r.bytes(), java.nio.charset.StandardCharsets.UTF_8))));
                }
                case LOCAL -> out.add(ApplyOutcome.LOCAL);
                default -> throw new EntryCodec.MalformedEntryException("unknown outcome tag " + tag);
            }
        }
        if (r.pos != data.length) {
            throw new EntryCodec.MalformedEntryException("trailing bytes after outcomes");
        }
        return out;
    }

    private static void writeResponse(ByteWriter w, ResponseOp op) {
        if (op == null) {
            w.out.write(NONE);
        } else if (op instanceof PutResponse p) {
            w.out.write(PUT);
            w.var(p.revision());
            writeKv(w, p.prevKv());
        } else if (op instanceof DeleteRangeResponse d) {
            w.out.write(DELETE);
            w.var(d.revision());
            w.var(d.deleted());
            writeKvs(w, d.prevKvs());
        } else if (op instanceof RangeResponse g) {
            w.out.write(RANGE);
            w.var(g.revision());
            writeKvs(w, g.kvs());
            w.out.write(g.more() ? 1 : 0);
            w.var(g.count());
        } else {
            TxnResponse t = (TxnResponse) op;
            w.out.write(TXN);
            w.var(t.revision());
            w.out.write(t.succeeded() ? 1 : 0);
            w.var(t.responses().size());
            for (ResponseOp inner : t.responses()) {
                writeResponse(w, inner);
            }
        }
    }

    private static ResponseOp readResponse(ByteReader r, int depth) {
        if (depth > MAX_DEPTH) {
            throw new EntryCodec.MalformedEntryException("txn response nested too deeply");
        }
        int tag = r.u8();
        if (tag == NONE) {
            return null;
        }
        long revision = r.var();
        switch (tag) {
            case PUT:
                return new PutResponse(revision, readKv(r));
            case DELETE: {
                long deleted = r.var();
                return new DeleteRangeResponse(revision, deleted, readKvs(r));
            }
            case RANGE: {
                List<KeyValue> kvs = readKvs(r);
                boolean more = r.u8() == 1;
                return new RangeResponse(revision, kvs, more, r.var());
            }
            case TXN: {
                boolean succeeded = r.u8() == 1;
                int n = r.count();
                List<ResponseOp> inner = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    inner.add(readResponse(r, depth + 1));
                }
                return new TxnResponse(revision, succeeded, inner);
            }
            default:
                throw new EntryCodec.MalformedEntryException("unknown response tag " + tag);
        }
    }

    private static void writeKvs(ByteWriter w, List<KeyValue> kvs) {
        w.var(kvs.size());
        for (KeyValue kv : kvs) {
            writeKv(w, kv);
        }
    }

    private static List<KeyValue> readKvs(ByteReader r) {
        int n = r.count();
        List<KeyValue> kvs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            KeyValue kv = readKv(r);
            if (kv == null) {
                throw new EntryCodec.MalformedEntryException("missing key-value in a list");
            }
            kvs.add(kv);
        }
        return kvs;
    }

    private static void writeKv(ByteWriter w, KeyValue kv) {
        if (kv == null) {
            w.out.write(0);
            return;
        }
        w.out.write(1);
        w.bytes(kv.key());
        w.bytes(kv.value());
        w.var(kv.createRevision());
        w.var(kv.modRevision());
        w.var(kv.version());
        w.zigzag(kv.lease());
    }

    private static KeyValue readKv(ByteReader r) {
        if (r.u8() == 0) {
            return null;
        }
        byte[] key = r.bytes();
        byte[] value = r.bytes();
        return new KeyValue(key, r.var(), r.var(), r.var(), value, r.zigzag());
    }
}
