package raftkv.raft;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

/**
 * The binary form of a {@link LogEntry}: compact (varints, no field names) and versioned, so that a newer node can
 * still read entries written by an older one.
 *
 * <pre>
 *   entry     := version(1) proposer(8) count(varint) proposal*
 *   proposal  := seq(varint) command
 *   command   := PUT key value lease(zigzag) flags | DELETE key end flags | TXN compares ops ops | RANGE ...
 *              | COMPACT revision(varint)
 *   bytes     := length(varint) data            (a null array is written as length 0)
 * </pre>
 *
 * Decoding refuses anything malformed with {@link MalformedEntryException}; the state machine then fails that
 * entry's requests, identically on every member.
 */
public final class EntryCodec {

    static final byte VERSION = 1;

    private static final int PUT = 1;
    private static final int DELETE = 2;
    private static final int TXN = 3;
    private static final int RANGE = 4;
    private static final int COMPACT = 5;
    private static final int LEASE_GRANT = 6;
    private static final int LEASE_REVOKE = 7;
    private static final int ALARM = 8;

    private static final int MAX_DEPTH = 64;

    private EntryCodec() {
    }

    /** Thrown for an entry that does not decode. */
    public static final class MalformedEntryException extends RuntimeException {
        MalformedEntryException(String message) {
            super(message);
        }
    }

    public static byte[] encode(LogEntry entry) {
        List<byte[]> commands = new ArrayList<>(entry.proposals().size());
        long[] seqs = new long[entry.proposals().size()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = entry.proposals().get(i).seq();
            commands.add(encodeCommand(entry.proposals().get(i).command()));
        }
        return encodeEntry(entry.proposer(), seqs, commands);
    }

    /** Encodes one command; proposers encode on their own thread and batch the bytes. */
    public static byte[] encodeCommand(Command c) {
        Writer w = new Writer();
        writeCommand(w, c);
        return w.out.toByteArray();
    }

    /** Assembles an entry from commands encoded by {@link #encodeCommand}. */
    public static byte[] encodeEntry(long proposer, long[] seqs, List<byte[]> commands) {
        int size = 1 + 8 + 5;
        for (byte[] c : commands) {
            size += 10 + c.length;
        }
        Writer w = new Writer(size);
        w.out.write(VERSION);
        w.fixed64(proposer);
        w.var(commands.size());
        for (int i = 0; i < seqs.length; i++) {
            w.var(seqs[i]);
            w.out.write(commands.get(i), 0, commands.get(i).length);
        }
        return w.out.toByteArray();
    }

    public static LogEntry decode(byte[] data) {
        Reader r = new Reader(data);
        int version = r.u8();
        if (version != VERSION) {
            throw new MalformedEntryException("unknown entry format version " + version);
        }
        long proposer = r.fixed64();
        int n = r.count();
        List<Proposal> proposals = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            long seq = r.var();
            proposals.add(new Proposal(seq, readCommand(r)));
        }
        if (r.pos != data.length) {
            throw new MalformedEntryException("trailing bytes in entry");
        }
        return new LogEntry(proposer, proposals);
    }

    private static void writeCommand(Writer w, Command c) {
        if (c instanceof Command.Kv kv) {
            writeOp(w, kv.op());
        } else if (c instanceof Command.Compact compact) {
            w.out.write(COMPACT);
            w.var(compact.revision());
        } else if (c instanceof Command.LeaseGrant g) {
            w.out.write(LEASE_GRANT);
            w.zigzag(g.id());
            w.zigzag(g.ttlSeconds());
        } else if (c instanceof Command.LeaseRevoke rv) {
            w.out.write(LEASE_REVOKE);
            w.zigzag(rv.id());
        } else {
            Command.Alarm a = (Command.Alarm) c;
            w.out.write(ALARM);
            w.var(a.memberId());
            w.bytes(a.alarm().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            w.out.write(a.activate() ? 1 : 0);
        }
    }

    private static Command readCommand(Reader r) {
        int tag = r.peek();
        switch (tag) {
            case COMPACT:
                r.u8();
                return new Command.Compact(r.var());
            case LEASE_GRANT:
                r.u8();
                return new Command.LeaseGrant(r.zigzag(), r.zigzag());
            case LEASE_REVOKE:
                r.u8();
                return new Command.LeaseRevoke(r.zigzag());
            case ALARM:
                r.u8();
                return new Command.Alarm((int) r.var(), new String(r.bytes(), java.nio.charset.StandardCharsets.UTF_8),
                        r.u8() == 1);
            default:
                return new Command.Kv(readOp(r, 0));
        }
    }

    private static void writeOp(Writer w, RequestOp op) {
        if (op instanceof PutRequest p) {
            w.out.write(PUT);
            w.bytes(p.key());
            w.bytes(p.value());
            w.zigzag(p.lease());
            w.out.write((p.prevKv() ? 1 : 0) | (p.ignoreValue() ? 2 : 0) | (p.ignoreLease() ? 4 : 0));
        } else if (op instanceof DeleteRangeRequest d) {
            w.out.write(DELETE);
            w.bytes(d.key());
            w.bytes(d.rangeEnd());
            w.out.write(d.prevKv() ? 1 : 0);
        } else if (op instanceof RangeRequest r) {
            w.out.write(RANGE);
            w.bytes(r.key());
            w.bytes(r.rangeEnd());
            w.zigzag(r.limit());
            w.zigzag(r.revision());
            w.out.write(r.sortOrder().ordinal());
            w.out.write(r.sortTarget().ordinal());
            w.out.write((r.serializable() ? 1 : 0) | (r.keysOnly() ? 2 : 0) | (r.countOnly() ? 4 : 0));
            w.zigzag(r.minModRevision());
            w.zigzag(r.maxModRevision());
            w.zigzag(r.minCreateRevision());
            w.zigzag(r.maxCreateRevision());
        } else {
            TxnRequest t = (TxnRequest) op;
            w.out.write(TXN);
            w.var(t.compare().size());
            for (Compare c : t.compare()) {
                w.out.write(c.target().ordinal());
                w.out.write(c.result().ordinal());
                w.bytes(c.key());
                w.bytes(c.rangeEnd());
                w.zigzag(c.number());
                w.bytes(c.value());
            }
            writeOps(w, t.success());
            writeOps(w, t.failure());
        }
    }

    private static void writeOps(Writer w, List<RequestOp> ops) {
        w.var(ops.size());
        for (RequestOp op : ops) {
            writeOp(w, op);
        }
    }

    private static RequestOp readOp(Reader r, int depth) {
        if (depth > MAX_DEPTH) {
            throw new MalformedEntryException("txn nested too deeply");
        }
        int tag = r.u8();
        switch (tag) {
            case PUT: {
                byte[] key = r.bytes();
                byte[] value = r.bytes();
                long lease = r.zigzag();
                int flags = r.u8();
                return new PutRequest(key, value, lease, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0);
            }
            case DELETE: {
                byte[] key = r.bytes();
                byte[] end = r.bytesOrNull();
                return new DeleteRangeRequest(key, end, (r.u8() & 1) != 0);
            }
            case RANGE: {
                byte[] key = r.bytes();
                byte[] end = r.bytesOrNull();
                long limit = r.zigzag();
                long revision = r.zigzag();
                RangeRequest.SortOrder order = r.oneOf(RangeRequest.SortOrder.values());
                RangeRequest.SortTarget target = r.oneOf(RangeRequest.SortTarget.values());
                int flags = r.u8();
                return new RangeRequest(key, end, limit, revision, order, target, (flags & 1) != 0,
                        (flags & 2) != 0, (flags & 4) != 0, r.zigzag(), r.zigzag(), r.zigzag(), r.zigzag());
            }
            case TXN: {
                int n = r.count();
                List<Compare> compares = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    Compare.Target target = r.oneOf(Compare.Target.values());
                    Compare.Result result = r.oneOf(Compare.Result.values());
                    compares.add(new Compare(target, result, r.bytes(), r.bytesOrNull(), r.zigzag(), r.bytes()));
                }
                List<RequestOp> success = readOps(r, depth);
                List<RequestOp> failure = readOps(r, depth);
                return new TxnRequest(compares, success, failure);
            }
            default:
                throw new MalformedEntryException("unknown operation tag " + tag);
        }
    }

    private static List<RequestOp> readOps(Reader r, int depth) {
        int n = r.count();
        List<RequestOp> ops = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            ops.add(readOp(r, depth + 1));
        }
        return ops;
    }

    private static final class Writer {
        final ByteArrayOutputStream out;

        Writer() {
            this(64);
        }

        Writer(int size) {
            out = new ByteArrayOutputStream(size);
        }

        void var(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        void zigzag(long v) {
            var((v << 1) ^ (v >> 63));
        }

        void fixed64(long v) {
            for (int i = 56; i >= 0; i -= 8) {
                out.write((int) (v >>> i));
            }
        }

        void bytes(byte[] b) {
            if (b == null) {
                var(0);
                return;
            }
            var(b.length);
            out.write(b, 0, b.length);
        }
    }

    private static final class Reader {
        final byte[] b;
        int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        int peek() {
            need(1);
            return b[pos] & 0xFF;
        }

        int u8() {
            need(1);
            return b[pos++] & 0xFF;
        }

        long var() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = u8();
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new MalformedEntryException("varint too long");
        }

        long zigzag() {
            long v = var();
            return (v >>> 1) ^ -(v & 1);
        }

        long fixed64() {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (b[pos++] & 0xFF);
            }
            return v;
        }

        /** A count of things that each take at least one byte, so it cannot exceed what is left. */
        int count() {
            long n = var();
            if (n < 0 || n > b.length - pos) {
                throw new MalformedEntryException("bad count " + n);
            }
            return (int) n;
        }

        byte[] bytes() {
            long n = var();
            if (n < 0 || n > b.length - pos) {
                throw new MalformedEntryException("bad length " + n);
            }
            byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + (int) n);
            pos += (int) n;
            return out;
        }

        byte[] bytesOrNull() {
            byte[] out = bytes();
            return out.length == 0 ? null : out;
        }

        <E> E oneOf(E[] values) {
            int i = u8();
            if (i >= values.length) {
                throw new MalformedEntryException("bad enum value " + i);
            }
            return values[i];
        }

        private void need(int n) {
            if (pos + n > b.length) {
                throw new MalformedEntryException("entry is truncated");
            }
        }
    }
}
