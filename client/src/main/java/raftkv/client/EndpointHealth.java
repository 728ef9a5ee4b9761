package raftkv.client;

import java.net.URI;

/**
 * What the client knows of one endpoint: whether its last request got an answer, how many failed in a row, and
 * when it failed last (0: never).
 */
public record EndpointHealth(URI endpoint, boolean reachable, int consecutiveFailures, long lastFailureMillis) {
}
