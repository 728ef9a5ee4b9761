package raftkv.client;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster's endpoints and what the client has seen of them. Requests go to the endpoint that answered last;
 * one that failed is skipped for a short while (longer after repeated failures), so a dead node costs one failed
 * attempt, not one per request. Writes go first to the leader, when a member named it and it is one of the
 * endpoints: a follower would forward them there anyway, at the cost of a hop. Thread-safe.
 */
final class Endpoints {

    private static final long BASE_BACKOFF_MS = 200;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final List<URI> all;
    // guarded by this
    private final int[] failures;
    private final long[] lastFailure;
    private final long[] downUntil;
    private int preferred;
    private int leader = -1;

    Endpoints(List<URI> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is needed");
        }
        this.all = List.copyOf(endpoints);
        this.failures = new int[all.size()];
        this.lastFailure = new long[all.size()];
        this.downUntil = new long[all.size()];
    }

    List<URI> all() {
        return all;
    }

    /** The endpoint for attempt {@code attempt} (0, 1, ...): the preferred one first, then the others in turn. */
    synchronized URI pick(int attempt) {
        long now = monotonicMillis();
        int n = all.size();
        // First pass: endpoints not in backoff, starting from the preferred one and rotating with the attempt.
        for (int i = 0; i < n; i++) {
            int k = Math.floorMod(preferred + attempt + i, n);
            if (downUntil[k] <= now) {
                return all.get(k);
            }
        }
        // All in backoff: the one that comes back soonest.
        int best = 0;
        for (int k = 1; k < n; k++) {
            if (downUntil[k] < downUntil[best]) {
                best = k;
            }
        }
        return all.get(best);
    }

    /**
     * The endpoint for attempt {@code attempt} of a write: the leader first when it is known and not in backoff, then
     * as {@link #pick}.
     */
    synchronized URI pickForWrite(int attempt) {
        if (attempt == 0 && leader >= 0 && downUntil[leader] <= monotonicMillis()) {
            return all.get(leader);
        }
        return pick(attempt);
    }

    /** A member named {@code url} as its leader; remembered when it is one of the endpoints. */
    void leaderNamed(String url) {
        if (url == null) {
            return;
        }
        int k = indexOf(url);
        synchronized (this) {
            leader = k;
        }
    }

    private int indexOf(String url) {
        for (int k = 0; k < all.size(); k++) {
            URI u = all.get(k);
            String s = u.toString();
            if (s.equals(url) || (s.endsWith("/") && s.substring(0, s.length() - 1).equals(url))) {
                return k;
            }
        }
        return -1;
    }

    synchronized void succeeded(URI endpoint) {
        succeeded(endpoint, true);
    }

    /**
     * {@code endpoint} answered; it becomes the preferred one when {@code prefer} (reads do; writes, which may have
     * gone to the leader, do not, so that reads stay spread over the members).
     */
    synchronized void succeeded(URI endpoint, boolean prefer) {
        int k = all.indexOf(endpoint);
        if (k >= 0) {
            failures[k] = 0;
            downUntil[k] = 0;
            if (prefer) {
                preferred = k;
            }
        }
    }

    synchronized void failed(URI endpoint) {
        int k = all.indexOf(endpoint);
        if (k >= 0) {
            failures[k]++;
            long now = monotonicMillis();
            lastFailure[k] = System.currentTimeMillis();
            downUntil[k] = now + Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS << Math.min(5, failures[k] - 1));
            if (preferred == k) {
                preferred = (k + 1) % all.size();
            }
            if (leader == k) {
                leader = -1;
            }
        }
    }

    synchronized List<EndpointHealth> health() {
        List<EndpointHealth> out = new ArrayList<>();
        for (int k = 0; k < all.size(); k++) {
            out.add(new EndpointHealth(all.get(k), failures[k] == 0, failures[k], lastFailure[k]));
        }
        return out;
    }

    /** Backoffs run on this clock: a step of the wall clock back must not keep an endpoint "down" for hours. */
    private static final long ORIGIN = System.nanoTime();

    private static long monotonicMillis() {
        return (System.nanoTime() - ORIGIN) / 1_000_000;
    }
}
