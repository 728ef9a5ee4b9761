package raftkv.server.tls;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import raftkv.common.Threads;

/**
 * Polls TLS files for changes on its own daemon thread ({@code raftkv-tls-reload}), so that file reading never
 * happens on an event loop, the apply path or a handshake. Polling, rather than a file watch, also sees files
 * behind symlinks that are swapped (Kubernetes secrets) and works on every file system.
 */
final class TlsReloader implements AutoCloseable {

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            Threads.daemon("raftkv-tls-reload"));

    TlsReloader(List<TlsCredentials> watched, Duration every) {
        long ms = every.toMillis();
        thread.scheduleWithFixedDelay(() -> watched.forEach(TlsCredentials::reloadIfChanged), ms, ms,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
