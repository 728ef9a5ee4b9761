package raftkv.server.ops;

/** What a write answers: the store revision its response header carries, and the store's response. */
public record Written<T>(long revision, T response) {
}
