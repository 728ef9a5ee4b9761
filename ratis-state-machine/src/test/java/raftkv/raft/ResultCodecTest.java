package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyValue;
import raftkv.storage.StorageException;
import raftkv.storage.request.DeleteRangeResponse;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.ResponseOp;
import raftkv.storage.request.TxnResponse;

/** The leader's answers to a forwarding follower decode to exactly what the leader's apply returned. */
class ResultCodecTest {

    private final Random rnd = new Random(23);

    private KeyValue kv() {
        byte[] key = new byte[1 + rnd.nextInt(20)];
        rnd.nextBytes(key);
        byte[] value = new byte[rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(rnd.nextInt(10) == 0 ? 5000 : 40)];
        rnd.nextBytes(value);
        return new KeyValue(key, rnd.nextInt(1000), rnd.nextInt(1_000_000), rnd.nextInt(50), value,
                rnd.nextBoolean() ? 0 : rnd.nextLong());
    }

    private List<KeyValue> kvs() {
        List<KeyValue> out = new ArrayList<>();
        for (int i = rnd.nextInt(5); i > 0; i--) {
            out.add(kv());
        }
        return out;
    }

    private ResponseOp response(int depth) {
        long rev = rnd.nextInt(1_000_000);
        return switch (rnd.nextInt(depth < 3 ? 5 : 4)) {
            case 0 -> null;
            case 1 -> new PutResponse(rev, rnd.nextBoolean() ? null : kv());
            case 2 -> new DeleteRangeResponse(rev, rnd.nextInt(100), kvs());
            case 3 -> new RangeResponse(rev, kvs(), rnd.nextBoolean(), rnd.nextInt(10_000));
            default -> {
                List<ResponseOp> inner = new ArrayList<>();
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    ResponseOp r = response(depth + 1);
                    inner.add(r == null ? new PutResponse(rev, null) : r);
                }
                yield new TxnResponse(rev, rnd.nextBoolean(), inner);
            }
        };
    }

    private ApplyOutcome outcome() {
        return switch (rnd.nextInt(7)) {
            case 0 -> new ApplyOutcome.Refused(new StorageException(
                    ErrorCode.values()[rnd.nextInt(ErrorCode.values().length)], "refused " + rnd.nextInt()));
            case 1 -> new ApplyOutcome.Failed(new IllegalStateException("a member failure: never shipped"));
            case 2 -> ApplyOutcome.LOCAL;
            default -> new ApplyOutcome.Applied(new CommandResult(rnd.nextInt(1_000_000), response(0)));
        };
    }

    @Test
    void randomOutcomesSurviveTheTrip() {
        for (int round = 0; round < 2_000; round++) {
            List<ApplyOutcome> sent = new ArrayList<>();
            for (int i = rnd.nextInt(30); i > 0; i--) {
                sent.add(outcome());
            }
            List<ApplyOutcome> got = ResultCodec.decode(ResultCodec.encode(sent));
            assertEquals(sent.size(), got.size());
            for (int i = 0; i < sent.size(); i++) {
                ApplyOutcome s = sent.get(i);
                ApplyOutcome g = got.get(i);
                if (s instanceof ApplyOutcome.Applied) {
                    assertEquals(s, g, "round " + round + " outcome " + i);
                } else if (s instanceof ApplyOutcome.Refused r) {
                    StorageException back = assertInstanceOf(ApplyOutcome.Refused.class, g).reason();
                    assertEquals(r.reason().code(), back.code());
                    assertEquals(r.reason().getMessage(), back.getMessage());
                } else {
                    assertEquals(ApplyOutcome.LOCAL, g, "a member failure or a local answer is left to the"
                            + " proposer's own apply");
                }
            }
        }
    }

    @Test
    void truncatedOrForeignBytesAreRefused() {
        List<ApplyOutcome> sent = List.of(new ApplyOutcome.Applied(new CommandResult(7, new TxnResponse(7, true,
                List.of(new PutResponse(7, kv()), new RangeResponse(7, kvs(), true, 3))))));
        byte[] good = ResultCodec.encode(sent);
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = Arrays.copyOf(good, cut);
            assertThrows(EntryCodec.MalformedEntryException.class, () -> ResultCodec.decode(shorter), "cut " + cut);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThrows(EntryCodec.MalformedEntryException.class, () -> ResultCodec.decode(longer));
        byte[] otherVersion = good.clone();
        otherVersion[0] = 9;
        assertThrows(EntryCodec.MalformedEntryException.class, () -> ResultCodec.decode(otherVersion));
    }
}
