package raftkv.storage;

import static raftkv.storage.TestKeys.b;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

/**
 * The deterministic stream of "log entries" the crash test writes: entry {@code i} is a function of the seed, of
 * {@code i} and of the state before it, so the crashed store and the reference model, fed the same prefix of the
 * stream, must end in the same state. Some entries carry several requests, as a batched Raft entry does.
 */
final class CrashWorkload {

    /** What the workload needs of whatever it runs on. */
    interface Target {
        long revision();

        long compactRevision();

        List<Long> leaseIds();

        void put(PutRequest p);

        void delete(DeleteRangeRequest d);

        void txn(TxnRequest t);

        void grant(long id, long ttl);

        void revoke(long id);

        void compact(long rev);
    }

    private CrashWorkload() {
    }

    /** Applies entry {@code index}; requests the target refuses are part of the entry's deterministic outcome. */
    static void apply(Target t, long seed, long index) {
        Random rnd = new Random(seed * 1_000_003L + index);
        int requests = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(8) : 1;
        for (int r = 0; r < requests; r++) {
            try {
                applyOne(t, rnd, index);
            } catch (StorageException refused) {
                // e.g. a lease that was revoked meanwhile: refused the same way on both sides
            }
        }
    }

    private static void applyOne(Target t, Random rnd, long index) {
        String key = "key" + rnd.nextInt(64);
        int dice = rnd.nextInt(100);
        List<Long> leases = t.leaseIds();
        if (dice < 55) {
            long lease = !leases.isEmpty() && rnd.nextInt(5) == 0 ? leases.get(rnd.nextInt(leases.size())) : 0;
            t.put(PutRequest.of(b(key), b("value-" + index + "-" + rnd.nextInt(1000))).withLease(lease));
        } else if (dice < 70) {
            byte[] end = rnd.nextBoolean() ? null : b("key" + rnd.nextInt(64));
            t.delete(new DeleteRangeRequest(b(key), end, false));
        } else if (dice < 85) {
            List<RequestOp> ops = new ArrayList<>();
            for (int i = 0; i < 1 + rnd.nextInt(5); i++) {
                ops.add(PutRequest.of(b("txn" + index + "-" + i), b("v" + i)));
            }
            t.txn(new TxnRequest(List.of(Compare.version(b(key), Compare.Result.GREATER, 1)), ops,
                    List.of(PutRequest.of(b(key), b("cas-" + index)))));
        } else if (dice < 92) {
            t.grant(index * 10 + rnd.nextInt(10), 10 + rnd.nextInt(100));
        } else if (dice < 97) {
            if (!leases.isEmpty()) {
                t.revoke(leases.get(rnd.nextInt(leases.size())));
            }
        } else {
            long rev = t.revision() - 20;
            if (rev > t.compactRevision()) {
                t.compact(rev);
            }
        }
    }

    /** The store as a target. */
    static Target on(MvccStore s) {
        return new Target() {
            public long revision() {
                return s.revision();
            }

            public long compactRevision() {
                return s.compactRevision();
            }

            public List<Long> leaseIds() {
                return s.leaseIds();
            }

            public void put(PutRequest p) {
                s.put(p);
            }

            public void delete(DeleteRangeRequest d) {
                s.deleteRange(d);
            }

            public void txn(TxnRequest tx) {
                s.txn(tx);
            }

            public void grant(long id, long ttl) {
                s.grant(id, ttl);
            }

            public void revoke(long id) {
                s.revoke(id);
            }

            public void compact(long rev) {
                s.compact(rev);
            }
        };
    }

    /** The reference model as a target. */
    static Target on(ReferenceModel m) {
        return new Target() {
            public long revision() {
                return m.revision();
            }

            public long compactRevision() {
                return m.compactRevision();
            }

            public List<Long> leaseIds() {
                return List.copyOf(m.leases().keySet());
            }

            public void put(PutRequest p) {
                m.put(p);
            }

            public void delete(DeleteRangeRequest d) {
                m.deleteRange(d);
            }

            public void txn(TxnRequest tx) {
                m.txn(tx);
            }

            public void grant(long id, long ttl) {
                m.grant(id, ttl);
            }

            public void revoke(long id) {
                m.revoke(id);
            }

            public void compact(long rev) {
                m.compact(rev);
            }
        };
    }
}
