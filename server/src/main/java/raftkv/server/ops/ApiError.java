package raftkv.server.ops;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import raftkv.server.json.Json;
import raftkv.storage.ErrorCode;
import raftkv.storage.StorageException;

/**
 * An error as the API reports it: a gRPC status code and an HTTP status, as etcd's gateway maps them, and etcd's
 * message. {@link #of(Throwable)} is the one table from everything that can go wrong to what the client sees.
 */
public record ApiError(HttpResponseStatus status, int grpcCode, String message) {

    public static final int CANCELLED = 1;
    public static final int UNKNOWN = 2;
    public static final int INVALID_ARGUMENT = 3;
    public static final int DEADLINE_EXCEEDED = 4;
    public static final int NOT_FOUND = 5;
    public static final int PERMISSION_DENIED = 7;
    public static final int FAILED_PRECONDITION = 9;
    public static final int RESOURCE_EXHAUSTED = 8;
    public static final int OUT_OF_RANGE = 11;
    public static final int UNIMPLEMENTED = 12;
    public static final int INTERNAL = 13;
    public static final int UNAVAILABLE = 14;
    public static final int UNAUTHENTICATED = 16;

    public static ApiError badRequest(String message) {
        return new ApiError(HttpResponseStatus.BAD_REQUEST, INVALID_ARGUMENT, message);
    }

    public static ApiError notFound(String path) {
        return new ApiError(HttpResponseStatus.NOT_FOUND, NOT_FOUND, "Not Found: no API at " + path);
    }

    public static ApiError methodNotAllowed(String method, String path, String allowed) {
        return new ApiError(HttpResponseStatus.METHOD_NOT_ALLOWED, UNIMPLEMENTED,
                "Method Not Allowed: " + method + " " + path + " (use " + allowed + ")");
    }

    /** etcd's exact words, without the limit: etcd's clients match the message to their typed error. */
    public static ApiError tooLarge() {
        return new ApiError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, INVALID_ARGUMENT,
                "etcdserver: request is too large");
    }

    /** etcd's words when it sheds load; here, when password checks queue beyond their bound. */
    public static ApiError tooManyRequests() {
        return new ApiError(HttpResponseStatus.TOO_MANY_REQUESTS, RESOURCE_EXHAUSTED, "etcdserver: too many requests");
    }

    public static ApiError leaseTtlTooLarge() {
        return new ApiError(HttpResponseStatus.BAD_REQUEST, OUT_OF_RANGE, "etcdserver: too large lease TTL");
    }

    public static ApiError noSpace() {
        return new ApiError(HttpResponseStatus.TOO_MANY_REQUESTS, RESOURCE_EXHAUSTED,
                "etcdserver: mvcc: database space exceeded");
    }

    public static ApiError failedPrecondition(String message) {
        return new ApiError(HttpResponseStatus.BAD_REQUEST, FAILED_PRECONDITION, message);
    }

    /** What raftkv does not do (yet), said plainly rather than as gRPC's bare "method not found". */
    public static ApiError unimplemented(String message) {
        return new ApiError(HttpResponseStatus.NOT_IMPLEMENTED, UNIMPLEMENTED, message);
    }

    public static ApiError unavailable(String why) {
        return new ApiError(HttpResponseStatus.SERVICE_UNAVAILABLE, UNAVAILABLE, why);
    }

    /** The client cancelled its call (or its deadline passed) while the server waited for it: gRPC's CANCELLED. */
    public static ApiError cancelled() {
        return new ApiError(HttpResponseStatus.valueOf(499), CANCELLED, "context canceled");
    }

    /*
     * etcd's concurrency errors. Its v3lock and v3election servers return them as plain Go errors, which gRPC sends
     * as UNKNOWN with the error's text; clients match the text (jetcd's NotLeaderException, NoLeaderException).
     */

    /** A waiter's key went with its lease before its turn came (clientv3 concurrency's ErrSessionExpired). */
    public static ApiError sessionExpired() {
        return new ApiError(HttpResponseStatus.INTERNAL_SERVER_ERROR, UNKNOWN, "mutex: session is expired");
    }

    /** The leader key given is no longer the one with its create revision (ErrElectionNotLeader). */
    public static ApiError electionNotLeader() {
        return new ApiError(HttpResponseStatus.INTERNAL_SERVER_ERROR, UNKNOWN, "election: not leader");
    }

    /** The election has no candidate (ErrElectionNoLeader). */
    public static ApiError electionNoLeader() {
        return new ApiError(HttpResponseStatus.INTERNAL_SERVER_ERROR, UNKNOWN, "election: no leader");
    }

    /** Maps any failure of a request to what the client is told. */
    public static ApiError of(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ApiException a) {
            return a.error();
        }
        if (t instanceof Json.BadRequest b) {
            return badRequest(b.getMessage());
        }
        if (t instanceof StorageException s) {
            // etcd's clients turn an error into a typed one by its exact message: where etcd has one, send it as is.
            return of(s.code(), s.code().message().startsWith("etcdserver: ") ? s.code().message() : s.getMessage());
        }
        if (t instanceof java.util.concurrent.CancellationException) {
            return cancelled();
        }
        if (t instanceof TimeoutException) {
            return unavailable("etcdserver: request timed out");
        }
        if (t != null && t.getClass().getName().startsWith("org.apache.ratis.protocol.exceptions")) {
            return unavailable("etcdserver: " + t.getClass().getSimpleName().replace("Exception", "")
                    .replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase() + ", try again");
        }
        return new ApiError(HttpResponseStatus.INTERNAL_SERVER_ERROR, INTERNAL, "etcdserver: internal error");
    }

    private static ApiError of(ErrorCode code, String message) {
        return switch (code) {
            case COMPACTED -> new ApiError(HttpResponseStatus.BAD_REQUEST, OUT_OF_RANGE,
                    "etcdserver: mvcc: required revision has been compacted");
            case FUTURE_REVISION -> new ApiError(HttpResponseStatus.BAD_REQUEST, OUT_OF_RANGE,
                    "etcdserver: mvcc: required revision is a future revision");
            case LEASE_NOT_FOUND -> new ApiError(HttpResponseStatus.NOT_FOUND, NOT_FOUND, message);
            case LEASE_EXISTS -> new ApiError(HttpResponseStatus.BAD_REQUEST, FAILED_PRECONDITION, message);
            case STORE_CLOSED -> unavailable("etcdserver: server stopped");
            case NO_SPACE -> noSpace();
            case TORN_STORE -> unavailable(message);
            case TOO_MANY_OPS, DUPLICATE_KEY, EMPTY_KEY, KEY_NOT_FOUND, VALUE_PROVIDED, LEASE_PROVIDED, TOO_MANY_KEYS,
                    INVALID_ARGUMENT, CORRUPT_SNAPSHOT -> badRequest(message);
            // etcd's auth errors, with the gRPC codes etcd gives them and the HTTP statuses its gateway maps them to.
            case INVALID_AUTH_TOKEN -> new ApiError(HttpResponseStatus.UNAUTHORIZED, UNAUTHENTICATED, message);
            case PERMISSION_DENIED -> new ApiError(HttpResponseStatus.FORBIDDEN, PERMISSION_DENIED, message);
            case AUTH_FAILED, AUTH_OLD_REVISION, USER_EMPTY, ROLE_EMPTY, PERMISSION_NOT_GIVEN, INVALID_AUTH_MGMT ->
                    badRequest(message);
            case AUTH_NOT_ENABLED, USER_ALREADY_EXIST, USER_NOT_FOUND, ROLE_ALREADY_EXIST, ROLE_NOT_FOUND,
                    ROLE_NOT_GRANTED, PERMISSION_NOT_GRANTED, ROOT_USER_NOT_EXIST, ROOT_ROLE_NOT_EXIST ->
                    failedPrecondition(message);
        };
    }

    public byte[] body() {
        return Json.encode(new raftkv.server.json.ResponseJson.Error(message, grpcCode, message));
    }

    /** Carries an {@link ApiError} through futures. */
    public static final class ApiException extends RuntimeException {
        private final ApiError error;

        public ApiException(ApiError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        public ApiError error() {
            return error;
        }
    }
}
