package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import raftkv.client.KeepAlive;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;

/**
 * A few leases, each with a key attached, kept alive by the client library (as a session would be) through every
 * fault of a scenario. Whatever the faults, a lease kept alive must never expire: its key must still be there at
 * the end, never deleted and put back (the same create revision). A leader frozen past the TTL must not revoke it
 * after it resumes, while its successor keeps it alive.
 */
final class LeaseKeepers implements AutoCloseable {

    static final String PREFIX = "lease/";
    /** Long enough to outlast an election on a busy machine; a scenario freezes its leader for longer than this. */
    static final long TTL_SECONDS = 5;
    private static final int LEASES = 3;

    private final RaftKv client;
    private final List<KeepAlive> keepAlives = new ArrayList<>();
    /** The create revision of each lease's key. */
    private final Map<String, Long> created = new ConcurrentHashMap<>();
    private final Map<Long, String> lost = new ConcurrentHashMap<>();

    LeaseKeepers(List<String> endpoints) {
        client = RaftKv.builder().endpoints(endpoints).timeout(Duration.ofSeconds(4))
                .connectTimeout(Duration.ofMillis(500)).build();
        for (int i = 0; i < LEASES; i++) {
            long id = client.lease().grant(TTL_SECONDS).join().id();
            String key = PREFIX + i;
            long rev = client.kv().put(key, "kept by " + id, PutOptions.DEFAULT.withLease(id)).join().header()
                    .revision();
            created.put(key, rev);
            keepAlives.add(client.lease().keepAlive(id, (lease, reason) -> lost.put(lease, reason)));
        }
    }

    /** Every lease's key is there, with the create revision it was put with, and no keepalive gave up. */
    void check() {
        assertTrue(lost.isEmpty(), "kept-alive leases were lost: " + lost);
        for (Map.Entry<String, Long> e : created.entrySet()) {
            var kvs = client.kv().get(e.getKey()).join().kvs();
            assertTrue(!kvs.isEmpty(), "the key " + e.getKey() + " of a lease kept alive is gone");
            assertEquals(e.getValue().longValue(), kvs.get(0).createRevision(), "the key " + e.getKey()
                    + " of a lease kept alive was deleted and put back");
        }
    }

    @Override
    public void close() {
        keepAlives.forEach(KeepAlive::close);
        client.close();
    }
}
