package raftkv.storage;

/** A request the store refused. It changed nothing: checks run before the first write of a request. */
public class StorageException extends RuntimeException {

    private final ErrorCode code;

    public StorageException(ErrorCode code) {
        this(code, code.message());
    }

    public StorageException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public StorageException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
