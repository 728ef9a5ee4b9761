package raftkv.storage.backend;

import java.nio.file.Path;

/**
 * A database whose last commit was interrupted (the process died between the start and the end of
 * {@link Backend#commit()}): its file may mix two states, so nothing in it can be trusted.
 */
public final class TornCommitException extends RuntimeException {

    private final Path directory;

    public TornCommitException(Path directory) {
        super("the database in " + directory + " was stopped in the middle of a commit and may be torn");
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }
}
