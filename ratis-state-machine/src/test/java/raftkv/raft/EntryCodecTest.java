package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

class EntryCodecTest {

    private final Random rnd = new Random(11);

    private byte[] bytes(boolean nullable) {
        if (nullable && rnd.nextInt(3) == 0) {
            return null;
        }
        byte[] b = new byte[1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 3000 : 20)];
        rnd.nextBytes(b);
        return b;
    }

    private long anyLong() {
        return switch (rnd.nextInt(4)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(1000);
            case 2 -> -rnd.nextInt(1000);
            default -> rnd.nextLong();
        };
    }

    private RequestOp op(int depth) {
        int kind = rnd.nextInt(depth < 3 ? 4 : 3);
        return switch (kind) {
            case 0 -> new PutRequest(bytes(false), bytes(false), anyLong(), rnd.nextBoolean(), rnd.nextBoolean(),
                    rnd.nextBoolean());
            case 1 -> new DeleteRangeRequest(bytes(false), bytes(true), rnd.nextBoolean());
            case 2 -> new RangeRequest(bytes(false), bytes(true), anyLong(), anyLong(),
                    RangeRequest.SortOrder.values()[rnd.nextInt(3)], RangeRequest.SortTarget.values()[rnd.nextInt(5)],
                    rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextBoolean(), anyLong(), anyLong(), anyLong(),
                    anyLong());
            default -> {
                List<Compare> cs = new ArrayList<>();
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    cs.add(new Compare(Compare.Target.values()[rnd.nextInt(5)], Compare.Result.values()[rnd.nextInt(4)],
                            bytes(false), bytes(true), anyLong(), bytes(false)));
                }
                yield new TxnRequest(cs, ops(depth + 1), ops(depth + 1));
            }
        };
    }

    private List<RequestOp> ops(int depth) {
        List<RequestOp> out = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            out.add(op(depth));
        }
        return out;
    }

    private LogEntry entry() {
        List<Proposal> ps = new ArrayList<>();
        for (int i = rnd.nextInt(20); i >= 0; i--) {
            Command c = switch (rnd.nextInt(15)) {
                case 0 -> new Command.Compact(rnd.nextInt(1_000_000));
                case 1 -> new Command.LeaseGrant(anyLong(), anyLong());
                case 2 -> new Command.LeaseRevoke(anyLong());
                case 3 -> new Command.Alarm(rnd.nextInt(100), "NOSPACE", rnd.nextBoolean());
                case 4 -> new Command.LeaseExpire(anyLong(), rnd.nextLong() >>> 1);
                default -> new Command.Kv(rnd.nextBoolean() ? op(3) : op(0));
            };
            ps.add(new Proposal(rnd.nextLong() >>> 1, c));
        }
        return new LogEntry(rnd.nextLong(), ps);
    }

    @Test
    void entriesRoundTrip() {
        for (int i = 0; i < 2_000; i++) {
            LogEntry e = entry();
            assertEquals(e, EntryCodec.decode(EntryCodec.encode(e)));
        }
    }

    @Test
    void damagedEntriesAreRefusedWithAClearError() {
        for (int i = 0; i < 5_000; i++) {
            byte[] good = EntryCodec.encode(entry());
            byte[] bad = good.clone();
            if (rnd.nextBoolean()) {
                bad = java.util.Arrays.copyOf(good, rnd.nextInt(good.length));
            } else {
                bad[rnd.nextInt(bad.length)] ^= (byte) (1 + rnd.nextInt(255));
            }
            try {
                EntryCodec.decode(bad); // a flipped byte in a value may still decode: that is fine
            } catch (EntryCodec.MalformedEntryException expected) {
                // refused cleanly
            }
        }
        assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(new byte[] {9}));
        assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(new byte[0]));
    }

    /** What a member of this version meets when a newer one wrote an entry: a refusal that says what it did not know. */
    @Test
    void anUnknownVersionOrCommandTagIsRefusedNamingIt() {
        byte[] unknownTag = {1, 0, 0, 0, 0, 0, 0, 0, 42, 1, 1, 99};
        var e = assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(unknownTag));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
        byte[] newerVersion = EntryCodec.encode(entry());
        newerVersion[0] = 2;
        e = assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(newerVersion));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }
}
