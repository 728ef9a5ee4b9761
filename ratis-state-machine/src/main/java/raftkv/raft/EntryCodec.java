package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

/**
 * The binary form of a {@link LogEntry}: compact (varints, no field names) and versioned.
 *
 * <pre>
 *   entry     := version(1) proposer(8) count(varint) proposal*
 *   proposal  := seq(varint) command
 *   command   := PUT key value lease(zigzag) flags | DELETE key end flags | TXN compares ops ops | RANGE ...
 *              | COMPACT revision(varint) | LEASE_GRANT id(zigzag) ttl(zigzag) | LEASE_REVOKE id(zigzag)
 *              | ALARM member(varint) alarm(bytes) activate(u8) | LEASE_EXPIRE id(zigzag) term(varint)
 *              | AUTH change | AS_USER user(bytes) authRevision(varint) command
 *   change    := kind(u8) fields...                (see {@link AuthCommandCodec})
 *   bytes     := length(varint) data            (a null array is written as length 0)
 * </pre>
 *
 * <p>Version 1 is the only envelope. Command tags are only ever added, never changed: 1-8 since 0.1, 9
 * ({@code LEASE_EXPIRE}) since 0.2, 10 and 11 ({@code AUTH}, {@code AS_USER}) since 0.3. A member that meets an entry it cannot decode (an unknown version or tag,
 * written by a newer member) stops rather than skip it, so members never diverge; in a rolling upgrade the leader,
 * which alone proposes {@code LEASE_EXPIRE}, is upgraded last.
 *
 * <p>Decoding refuses anything malformed with {@link MalformedEntryException}.
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
    private static final int LEASE_EXPIRE = 9;
    private static final int AUTH = 10;
    private static final int AS_USER = 11;

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
        ByteWriter w = new ByteWriter();
        writeCommand(w, c);
        return w.out.toByteArray();
    }

    /** Assembles an entry from commands encoded by {@link #encodeCommand}. */
    public static byte[] encodeEntry(long proposer, long[] seqs, List<byte[]> commands) {
        int size = 1 + 8 + 5;
        for (byte[] c : commands) {
            size += 10 + c.length;
        }
        ByteWriter w = new ByteWriter(size);
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
        ByteReader r = new ByteReader(data);
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

    private static void writeCommand(ByteWriter w, Command c) {
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
        } else if (c instanceof Command.LeaseExpire e) {
            w.out.write(LEASE_EXPIRE);
            w.zigzag(e.id());
            w.var(e.term());
        } else if (c instanceof Command.Auth a) {
            w.out.write(AUTH);
            AuthCommandCodec.write(w, a.change());
        } else if (c instanceof Command.AsUser u) {
            w.out.write(AS_USER);
            w.bytes(u.user().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            w.var(u.authRevision());
            writeCommand(w, u.command());
        } else {
            Command.Alarm a = (Command.Alarm) c;
            w.out.write(ALARM);
            w.var(a.memberId());
            w.bytes(a.alarm().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            w.out.write(a.activate() ? 1 : 0);
        }
    }

    private static Command readCommand(ByteReader r) {
        return readCommand(r, true);
    }

    private static Command readCommand(ByteReader r, boolean outermost) {
        int tag = r.peek();
        switch (tag) {
            case AUTH:
                r.u8();
                return new Command.Auth(AuthCommandCodec.read(r));
            case AS_USER: {
                r.u8();
                if (!outermost) {
                    throw new MalformedEntryException("a command is proposed on behalf of one user");
                }
                String user = new String(r.bytes(), java.nio.charset.StandardCharsets.UTF_8);
                long revision = r.var();
                return new Command.AsUser(user, revision, readCommand(r, false));
            }
            case COMPACT:
                r.u8();
                return new Command.Compact(r.var());
            case LEASE_GRANT:
                r.u8();
                return new Command.LeaseGrant(r.zigzag(), r.zigzag());
            case LEASE_REVOKE:
                r.u8();
                return new Command.LeaseRevoke(r.zigzag());
            case LEASE_EXPIRE:
                r.u8();
                return new Command.LeaseExpire(r.zigzag(), r.var());
            case ALARM:
                r.u8();
                return new Command.Alarm((int) r.var(), new String(r.bytes(), java.nio.charset.StandardCharsets.UTF_8),
                        r.u8() == 1);
            default:
                return new Command.Kv(readOp(r, 0));
        }
    }

    private static void writeOp(ByteWriter w, RequestOp op) {
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

    private static void writeOps(ByteWriter w, List<RequestOp> ops) {
        w.var(ops.size());
        for (RequestOp op : ops) {
            writeOp(w, op);
        }
    }

    private static RequestOp readOp(ByteReader r, int depth) {
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

    private static List<RequestOp> readOps(ByteReader r, int depth) {
        int n = r.count();
        List<RequestOp> ops = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            ops.add(readOp(r, depth + 1));
        }
        return ops;
    }
}
