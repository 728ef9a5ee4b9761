package raftkv.client.recipes;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import raftkv.client.Cmp;
import raftkv.client.GetOptions;
import raftkv.client.KeyValue;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.Responses;
import raftkv.client.TxnOp;
import raftkv.client.WatchEvent;
import raftkv.client.WatchOptions;
import raftkv.client.Watcher;

/**
 * Leader election, as etcd's: candidates {@link #campaign} with a value and the first in line leads;
 * {@link #proclaim} changes the leader's value, {@link #resign} steps down, {@link #leader} and {@link #observe}
 * tell who leads. A leader whose process dies is replaced when its session's lease expires.
 */
public final class Election {

    /** The current leader: its key, value and create revision (its term, increasing from leader to leader). */
    public record Leader(String key, String value, long revision) {
        static Leader of(KeyValue kv) {
            return new Leader(kv.keyString(), kv.valueString(), kv.createRevision());
        }
    }

    private final Session session;
    private final String prefix;
    private final String key;
    private long revision;

    public Election(Session session, String name) {
        this.session = session;
        this.prefix = Queue.prefix(name);
        this.key = Queue.key(prefix, session);
    }

    /** Blocks until this session leads, with {@code value} as the leader's value. */
    public void campaign(String value) throws InterruptedException {
        revision = Queue.joinAndWait(session, prefix, key, value);
    }

    /** This session's key in the election: while it leads, the leader's key. */
    public String key() {
        return key;
    }

    /** Sets the leader's value, only while this session still leads; returns whether it did. */
    public boolean proclaim(String value) {
        Responses.Txn t = session.client().kv().txn().when(Cmp.createRevision(key, Cmp.Op.EQUAL, revision))
                .then(TxnOp.put(key, value, PutOptions.DEFAULT.withLease(session.leaseId()))).commit().join();
        return t.succeeded();
    }

    public void resign() {
        Queue.dequeue(session, key);
    }

    /** The current leader of election {@code name}, or null when none. */
    public static Leader leader(RaftKv client, String name) {
        String p = Queue.prefix(name);
        List<KeyValue> first = client.kv().get(p, GetOptions.DEFAULT.withPrefix()
                .withSort(GetOptions.SortTarget.CREATE, GetOptions.SortOrder.ASCEND).withLimit(1)).join().kvs();
        return first.isEmpty() ? null : Leader.of(first.get(0));
    }

    /**
     * Calls {@code onChange} with each new leader (null: none) of election {@code name} until closed, every change
     * once and in order: the candidates are read at one revision and then followed by a watch from the next, and
     * the leader (the oldest candidate) is worked out after each event, so two changes that arrive together are
     * both told. Calls come one at a time, on the watch's callback thread.
     */
    public static Watcher observe(RaftKv client, String name, Consumer<Leader> onChange) {
        String p = Queue.prefix(name);
        Responses.Get now = client.kv().get(p, GetOptions.DEFAULT.withPrefix()).join();
        // Confined to the watch's callback thread once the watch starts.
        Map<String, KeyValue> candidates = new HashMap<>();
        now.kvs().forEach(kv -> candidates.put(kv.keyString(), kv));
        AtomicReference<Leader> last = new AtomicReference<>(oldest(candidates));
        onChange.accept(last.get());
        WatchOptions from = WatchOptions.DEFAULT.withPrefix().withStartRevision(now.header().revision() + 1);
        return client.watch().watch(p, from, (List<WatchEvent> events, long rev) -> {
            for (WatchEvent e : events) {
                if (e.type() == WatchEvent.Type.PUT) {
                    candidates.put(e.kv().keyString(), e.kv());
                } else {
                    candidates.remove(e.kv().keyString());
                }
                Leader leader = oldest(candidates);
                if (!Objects.equals(leader, last.getAndSet(leader))) {
                    onChange.accept(leader);
                }
            }
        });
    }

    private static Leader oldest(Map<String, KeyValue> candidates) {
        return candidates.values().stream().min(Comparator.comparingLong(KeyValue::createRevision))
                .map(Leader::of).orElse(null);
    }
}
