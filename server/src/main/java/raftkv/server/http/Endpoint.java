package raftkv.server.http;

import java.util.concurrent.CompletableFuture;

/** One API path: takes the request body, answers asynchronously. Runs on the node's work pool, never an event loop. */
@FunctionalInterface
public interface Endpoint {

    CompletableFuture<Reply> handle(byte[] body) throws Exception;
}
