package raftkv.server.http;

import java.util.concurrent.CompletableFuture;
import raftkv.server.auth.Credentials;

/**
 * One API path: takes the request body and the credentials it came with, answers asynchronously. Runs on the node's
 * work pool, never an event loop.
 */
@FunctionalInterface
public interface Endpoint {

    CompletableFuture<Reply> handle(byte[] body, Credentials who) throws Exception;
}
