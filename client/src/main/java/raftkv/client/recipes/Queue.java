package raftkv.client.recipes;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import raftkv.client.Cmp;
import raftkv.client.GetOptions;
import raftkv.client.KeyValue;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;
import raftkv.client.Responses;
import raftkv.client.TxnOp;
import raftkv.client.WatchEvent;
import raftkv.client.WatchListener;
import raftkv.client.WatchOptions;
import raftkv.client.Watcher;

/**
 * The waiting line under {@link Lock} and {@link Election}, as etcd's concurrency package has it: each session
 * writes one key {@code prefix + lease id} (attached to its lease); the key's create revision is its place in
 * line; a waiter watches only the key just ahead of it (no thundering herd) and is first when no key created
 * before its own remains.
 */
final class Queue {

    private Queue() {
    }

    /** The key prefix of lock or election {@code name}: the name with a trailing "/". */
    static String prefix(String name) {
        return name.endsWith("/") ? name : name + "/";
    }

    /** The session's key under {@code prefix}. */
    static String key(String prefix, Session s) {
        return prefix + Long.toHexString(s.leaseId());
    }

    /**
     * Puts the session's key with {@code value} unless it is there, and returns its create revision. Idempotent (the
     * key is the session's own), so a write of unknown outcome is simply retried.
     */
    static long enqueue(Session s, String key, String value) {
        RaftKv c = s.client();
        for (int attempt = 0; ; attempt++) {
            try {
                Responses.Txn t = c.kv().txn().when(Cmp.createRevision(key, Cmp.Op.EQUAL, 0))
                        .then(TxnOp.put(key, value, PutOptions.DEFAULT.withLease(s.leaseId())))
                        .otherwise(TxnOp.get(key, GetOptions.DEFAULT)).commit().join();
                if (t.succeeded()) {
                    return t.header().revision();
                }
                return t.gets().get(0).kvs().get(0).createRevision();
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof RaftKvException.OutcomeUnknown) || attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    /**
     * Joins the line under {@code prefix} with the session's {@code key} and blocks until it is first; returns the
     * key's create revision. Interrupted or failed, it leaves the line.
     */
    static long joinAndWait(Session s, String prefix, String key, String value) throws InterruptedException {
        long revision = enqueue(s, key, value);
        try {
            waitForTurn(s.client(), prefix, revision);
        } catch (InterruptedException | RuntimeException e) {
            dequeue(s, key);
            throw e;
        }
        // Its turn came, but its own key may be gone: the session's lease expired while it waited (a long pause,
        // a partition), and with it the key that is the lock. Only a key still there, from this wait, holds it.
        List<KeyValue> mine;
        try {
            mine = s.client().kv().get(key).join().kvs();
        } catch (RuntimeException e) {
            dequeue(s, key);
            throw e;
        }
        if (mine.isEmpty() || mine.get(0).createRevision() != revision) {
            throw new SessionExpiredException("the session's lease " + Long.toHexString(s.leaseId()) + " expired"
                    + " while it waited under " + prefix + ": it holds nothing");
        }
        return revision;
    }

    /** Blocks until no key under {@code prefix} created before {@code myRevision} remains. */
    static void waitForTurn(RaftKv c, String prefix, long myRevision) throws InterruptedException {
        while (true) {
            Responses.Get ahead = c.kv().get(prefix, GetOptions.DEFAULT.withPrefix()
                    .withMaxCreateRevision(myRevision - 1)
                    .withSort(GetOptions.SortTarget.CREATE, GetOptions.SortOrder.DESCEND).withLimit(1)).join();
            if (ahead.kvs().isEmpty()) {
                return;
            }
            waitDeleted(c, ahead.kvs().get(0), ahead.header().revision());
        }
    }

    /** Blocks until {@code kv}'s key is deleted (or expires), watching from just after {@code seenAt}. */
    private static void waitDeleted(RaftKv c, KeyValue kv, long seenAt) throws InterruptedException {
        CompletableFuture<Void> gone = new CompletableFuture<>();
        try (Watcher w = c.watch().watch(kv.key(), WatchOptions.DEFAULT.withStartRevision(seenAt + 1).withNoPut(),
                new WatchListener() {
                    @Override
                    public void onEvents(List<WatchEvent> events, long revision) {
                        gone.complete(null);
                    }

                    @Override
                    public void onCompacted(long compactRevision) {
                        gone.complete(null); // look again: the line is re-read from the store
                    }

                    @Override
                    public void onCanceled(String reason) {
                        gone.complete(null);
                    }
                })) {
            try {
                gone.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Deletes the session's key; idempotent, so retried on an unknown outcome. */
    static void dequeue(Session s, String key) {
        for (int attempt = 0; ; attempt++) {
            try {
                s.client().kv().delete(key).join();
                return;
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof RaftKvException.OutcomeUnknown) || attempt >= 10) {
                    throw e;
                }
            }
        }
    }
}
