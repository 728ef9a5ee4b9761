package raftkv.client.recipes;

import java.util.List;
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

    /** Calls {@code onChange} with each new leader (null: none) of election {@code name} until closed. */
    public static Watcher observe(RaftKv client, String name, Consumer<Leader> onChange) {
        String p = Queue.prefix(name);
        AtomicReference<Leader> last = new AtomicReference<>(leader(client, name));
        onChange.accept(last.get());
        return client.watch().watch(p, WatchOptions.DEFAULT.withPrefix(), (List<WatchEvent> events, long rev) -> {
            Leader now = leader(client, name);
            Leader before = last.getAndSet(now);
            if (now == null ? before != null : !now.equals(before)) {
                onChange.accept(now);
            }
        });
    }
}
