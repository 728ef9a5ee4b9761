package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static raftkv.storage.TestKeys.b;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

/**
 * Tens of thousands of random operations, each run on the store and on {@link ReferenceModel}; every response,
 * error and revision must agree. The store is reopened now and then, compaction runs concurrently with later
 * operations, and group commit is set to commit often. Reproduce a failure with {@code -Dmodel.seed=N}.
 */
class ModelBasedStoreTest {

    private static final int OPS = Integer.getInteger("model.ops", 20_000);
    /** Compare the whole key space every this many steps; 1 finds the first diverging step when debugging. */
    private static final int CHECK_EVERY = Integer.getInteger("model.checkEvery", 500);
    private static final List<String> KEYS = List.of("a", "a/1", "a/2", "a/3", "ab", "b", "b/1", "b/2", "c", "c/x",
            "d", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "x", "y", "z");
    private static final List<String> VALUES = List.of("", "v", "v1", "v2", "w", "zzz", "0", "hello");

    @TempDir
    Path dir;

    private Random rnd;
    private ReferenceModel model;
    private MvccStore store;
    private long seed;
    private int step;
    private String lastOp;

    static LongStream seeds() {
        Long fixed = Long.getLong("model.seed");
        return fixed != null ? LongStream.of(fixed) : LongStream.of(1, 2, 3, 4, 5);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void storeBehavesLikeTheReferenceModel(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.model = new ReferenceModel();
        StoreConfig config = StoreConfig.defaults(dir).withCommitOps(1 + rnd.nextInt(50))
                .withCommitInterval(Duration.ofMillis(5)).withCompactionBatch(1 + rnd.nextInt(16));
        store = MvccStore.open(config);
        try {
            for (step = 0; step < OPS; step++) {
                int dice = rnd.nextInt(1000);
                if (dice < 300) {
                    put();
                } else if (dice < 380) {
                    delete();
                } else if (dice < 580) {
                    range();
                } else if (dice < 780) {
                    txn();
                } else if (dice < 800) {
                    compact();
                } else if (dice < 850) {
                    grant();
                } else if (dice < 870) {
                    revoke();
                } else if (dice < 900) {
                    changes();
                } else if (dice < 902) {
                    store.close();
                    store = MvccStore.open(config);
                    lastOp = "reopen";
                    compareWholeState();
                } else {
                    range(); // reads are the common case
                }
                if (step % CHECK_EVERY == 0) {
                    compareWholeState();
                }
            }
            compareWholeState();
            KvHash before = store.hash(0);
            store.close();
            store = MvccStore.open(config);
            assertEquals(before, store.hash(0), context("hash after reopen"));
        } finally {
            store.close();
        }
    }

    // ---------------------------------------------------------------------------------------------- operations

    private void put() {
        PutRequest p = randomPut(randomKey());
        lastOp = p.toString();
        same(() -> model.put(p), () -> store.put(p));
    }

    private void delete() {
        DeleteRangeRequest d = new DeleteRangeRequest(b(randomKey()), randomRangeEnd(), rnd.nextBoolean());
        lastOp = d.toString();
        same(() -> model.deleteRange(d), () -> store.deleteRange(d));
    }

    private void range() {
        RangeRequest r = randomRange();
        lastOp = r.toString();
        same(() -> model.range(r), () -> store.range(r));
    }

    private void txn() {
        int dice = rnd.nextInt(100);
        if (dice < 3) {
            List<RequestOp> ops = new ArrayList<>();
            for (int i = 0; i < 129; i++) {
                ops.add(PutRequest.of(b("many" + i), b("v")));
            }
            TxnRequest t = new TxnRequest(List.of(), ops, List.of());
            lastOp = "txn with 129 puts";
            expectError(ErrorCode.TOO_MANY_OPS, () -> store.txn(t));
            return;
        }
        if (dice < 8) {
            String k = randomKey();
            List<RequestOp> ops = new ArrayList<>(List.of(PutRequest.of(b(k), b("1")),
                    rnd.nextBoolean() ? PutRequest.of(b(k), b("2")) : DeleteRangeRequest.of(b(k))));
            java.util.Collections.shuffle(ops, rnd);
            List<RequestOp> branch = rnd.nextBoolean() ? ops
                    : List.of(new TxnRequest(List.of(), ops, List.of()));
            TxnRequest t = rnd.nextBoolean() ? new TxnRequest(List.of(), branch, List.of())
                    : new TxnRequest(List.of(), List.of(), branch);
            lastOp = "txn writing " + k + " twice";
            expectError(ErrorCode.DUPLICATE_KEY, () -> store.txn(t));
            return;
        }
        TxnRequest t = randomTxn(new HashSet<>(), 0);
        lastOp = t.toString();
        same(() -> model.txn(t), () -> store.txn(t));
    }

    private void compact() {
        long rev = model.compactRevision() + rnd.nextInt((int) (model.revision() - model.compactRevision() + 2)) - 1;
        lastOp = "compact(" + rev + ")";
        // Not waiting for the background deletion: later operations run beside it and must not notice.
        same(() -> {
            model.compact(rev);
            return null;
        }, () -> {
            store.compact(rev);
            return null;
        });
    }

    private void grant() {
        long id = 1 + rnd.nextInt(8);
        long ttl = 1 + rnd.nextInt(100);
        lastOp = "grant(" + id + ", " + ttl + ")";
        same(() -> {
            model.grant(id, ttl);
            return null;
        }, () -> {
            store.grant(id, ttl);
            return null;
        });
    }

    private void revoke() {
        long id = 1 + rnd.nextInt(8);
        lastOp = "revoke(" + id + ")";
        same(() -> model.revoke(id), () -> store.revoke(id));
    }

    private void changes() {
        long from = model.compactRevision() + rnd.nextInt((int) (model.revision() - model.compactRevision() + 2));
        KeyRange range = new KeyRange(b(randomKey()), rnd.nextInt(4) == 0 ? new byte[] {0} : randomRangeEnd());
        int max = 1 + rnd.nextInt(6);
        lastOp = "changes(" + from + ", " + range + ", max " + max + ")";
        same(() -> model.changes(from, range), () -> {
            List<Event> all = new ArrayList<>();
            long next = from;
            long lastRevOfPreviousBatch = -1;
            while (true) {
                ChangeBatch batch = store.changes(next, range, max);
                if (!batch.events().isEmpty()) {
                    if (batch.events().get(0).revision() == lastRevOfPreviousBatch) {
                        fail(context("a revision was split across batches"));
                    }
                    lastRevOfPreviousBatch = batch.events().get(batch.events().size() - 1).revision();
                }
                all.addAll(batch.events());
                if (batch.nextRevision() <= next && batch.events().isEmpty() && next <= model.revision()) {
                    fail(context("changes made no progress at " + next));
                }
                next = batch.nextRevision();
                if (next > model.revision()) {
                    return all;
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- generators

    private String randomKey() {
        return KEYS.get(rnd.nextInt(KEYS.size()));
    }

    private byte[] randomValue() {
        return rnd.nextInt(5) == 0 ? b("r" + rnd.nextInt(1000)) : b(VALUES.get(rnd.nextInt(VALUES.size())));
    }

    private byte[] randomRangeEnd() {
        return switch (rnd.nextInt(5)) {
            case 0, 1 -> null;
            case 2 -> new byte[] {0};
            case 3 -> b(randomKey());
            default -> KeyRange.prefixEnd(b(KEYS.get(rnd.nextInt(KEYS.size()))));
        };
    }

    private long randomLease() {
        List<Long> ids = new ArrayList<>(model.leases().keySet());
        if (rnd.nextInt(10) == 0 || ids.isEmpty()) {
            return rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(8); // maybe a lease that does not exist
        }
        return ids.get(rnd.nextInt(ids.size()));
    }

    private PutRequest randomPut(String key) {
        int dice = rnd.nextInt(20);
        boolean ignoreValue = dice == 0;
        boolean ignoreLease = dice == 1 || dice == 2;
        long lease = ignoreLease ? 0 : (rnd.nextInt(4) == 0 ? randomLease() : 0);
        return new PutRequest(b(key), ignoreValue ? null : randomValue(), lease, rnd.nextBoolean(), ignoreValue,
                ignoreLease);
    }

    private long randomRevision() {
        if (rnd.nextInt(3) != 0) {
            return 0;
        }
        long lo = Math.max(1, model.compactRevision() - 2);
        return lo + rnd.nextInt((int) (model.revision() - lo + 3));
    }

    private RangeRequest randomRange() {
        RangeRequest.Builder r = RangeRequest.of(b(randomKey())).rangeEnd(randomRangeEnd())
                .revision(randomRevision());
        if (rnd.nextInt(3) == 0) {
            r.limit(rnd.nextInt(5));
        }
        if (rnd.nextInt(3) == 0) {
            r.sort(RangeRequest.SortTarget.values()[rnd.nextInt(5)], RangeRequest.SortOrder.values()[rnd.nextInt(3)]);
        }
        r.keysOnly(rnd.nextInt(8) == 0).countOnly(rnd.nextInt(10) == 0);
        if (rnd.nextInt(6) == 0) {
            long rev = Math.max(1, model.revision());
            r.modRevisionBetween(rnd.nextBoolean() ? 0 : 1 + rnd.nextInt((int) rev),
                    rnd.nextBoolean() ? 0 : 1 + rnd.nextInt((int) rev));
        }
        if (rnd.nextInt(6) == 0) {
            long rev = Math.max(1, model.revision());
            r.createRevisionBetween(rnd.nextBoolean() ? 0 : 1 + rnd.nextInt((int) rev),
                    rnd.nextBoolean() ? 0 : 1 + rnd.nextInt((int) rev));
        }
        return r.build();
    }

    private Compare randomCompare() {
        Compare.Target target = Compare.Target.values()[rnd.nextInt(5)];
        Compare.Result result = Compare.Result.values()[rnd.nextInt(4)];
        byte[] end = rnd.nextInt(4) == 0 ? randomRangeEnd() : null;
        long number = switch (target) {
            case VERSION -> rnd.nextInt(4);
            case LEASE -> rnd.nextInt(3) == 0 ? 0 : randomLease();
            default -> rnd.nextInt((int) model.revision() + 2);
        };
        return new Compare(target, result, b(randomKey()), end, number, randomValue());
    }

    /** A valid txn: no key is written twice anywhere in it ({@code used} tracks what is taken). */
    private TxnRequest randomTxn(Set<String> used, int depth) {
        List<Compare> compares = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            compares.add(randomCompare());
        }
        return new TxnRequest(compares, randomOps(used, depth), randomOps(used, depth));
    }

    private List<RequestOp> randomOps(Set<String> used, int depth) {
        List<RequestOp> ops = new ArrayList<>();
        for (int i = rnd.nextInt(5); i > 0; i--) {
            int dice = rnd.nextInt(10);
            if (dice < 3) {
                RangeRequest r = randomRange();
                ops.add(r);
            } else if (dice < 7) {
                String k = unusedKey(used);
                if (k != null) {
                    ops.add(randomPut(k));
                }
            } else if (dice < 9) {
                DeleteRangeRequest d = randomDelete(used);
                if (d != null) {
                    ops.add(d);
                }
            } else if (depth < 2) {
                ops.add(randomTxn(used, depth + 1));
            }
        }
        return ops;
    }

    private String unusedKey(Set<String> used) {
        for (int tries = 0; tries < 10; tries++) {
            String k = randomKey();
            if (used.add(k)) {
                return k;
            }
        }
        return null;
    }

    /** A delete of keys nobody else in the txn writes; its range then counts as used. */
    private DeleteRangeRequest randomDelete(Set<String> used) {
        KeyRange range = new KeyRange(b(randomKey()), randomRangeEnd());
        List<String> covered = new ArrayList<>();
        for (String k : KEYS) {
            if (range.contains(b(k))) {
                if (used.contains(k)) {
                    return null;
                }
                covered.add(k);
            }
        }
        used.addAll(covered);
        return new DeleteRangeRequest(range.key(), range.end(), rnd.nextBoolean());
    }

    // ---------------------------------------------------------------------------------------------- checking

    /** Runs an operation on both sides; they must return equal results or fail with the same code. */
    private void same(Supplier<Object> onModel, Supplier<Object> onStore) {
        Object expected;
        ErrorCode expectedError = null;
        try {
            expected = onModel.get();
        } catch (StorageException e) {
            expected = null;
            expectedError = e.code();
        }
        Object actual;
        ErrorCode actualError = null;
        try {
            actual = onStore.get();
        } catch (StorageException e) {
            actual = null;
            actualError = e.code();
        }
        assertEquals(expectedError, actualError, context("error"));
        assertEquals(expected, actual, context("result"));
        assertEquals(model.revision(), store.revision(), context("revision"));
    }

    private void expectError(ErrorCode code, Supplier<Object> onStore) {
        long rev = store.revision();
        try {
            onStore.get();
            fail(context("expected " + code));
        } catch (StorageException e) {
            assertEquals(code, e.code(), context("error"));
        }
        assertEquals(rev, store.revision(), context("a refused request changed the revision"));
    }

    private void compareWholeState() {
        RangeRequest all = RangeRequest.of(new byte[] {0}).rangeEnd(new byte[] {0}).build();
        assertEquals(model.range(all), store.range(all), context("whole key space"));
        assertEquals(model.compactRevision(), store.compactRevision(), context("compaction revision"));
        assertEquals(List.copyOf(model.leases().keySet()), store.leaseIds(), context("leases"));
        for (long id : model.leases().keySet()) {
            List<String> keys = store.lease(id).keys().stream().map(TestKeys::s).toList();
            assertEquals(model.keysOf(id), keys, context("keys of lease " + id));
            assertEquals(model.leases().get(id), store.lease(id).ttlSeconds(), context("ttl of lease " + id));
        }
    }

    private String context(String what) {
        return "seed " + seed + ", step " + step + " (" + lastOp + "): " + what
                + " [reproduce with -Dmodel.seed=" + seed + "]";
    }
}
