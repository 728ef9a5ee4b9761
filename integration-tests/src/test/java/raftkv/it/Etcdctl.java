package raftkv.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Debian's {@code etcdctl} (package etcd-client, v3 API) run as a process against given endpoints: a command that
 * ends ({@link #run}, with optional standard input for {@code txn -i}) or one that blocks until stopped
 * ({@link #start}: {@code watch}, {@code lease keep-alive}, {@code lock}, {@code elect}), whose standard output is
 * streamed line by line. Where etcdctl is not installed, the test is skipped, or failed where
 * {@value Privileged#REQUIRED} says this run must not skip (as CI does, having installed etcd-client).
 */
final class Etcdctl {

    /** What a command that ended gave: its exit code, standard output and standard error, whole. */
    record Result(int exit, String out, String err) {
        /** The last line of standard error: etcdctl's {@code Error: ...}, after any client log lines. */
        String lastErrLine() {
            List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    /** How long one ending command may run before it is killed and the test fails. */
    private static final Duration PROCESS_LIMIT = Duration.ofSeconds(30);

    private final Path binary;
    private final String endpoints;

    private Etcdctl(Path binary, String endpoints) {
        this.binary = binary;
        this.endpoints = endpoints;
    }

    /** etcdctl on the PATH against {@code endpoints} (comma-joined URLs); skips or fails the test without it. */
    static Etcdctl on(String endpoints) {
        return new Etcdctl(binary(), endpoints);
    }

    /** The same binary against other endpoints (a single one, as {@code snapshot save} requires). */
    Etcdctl against(String otherEndpoints) {
        return new Etcdctl(binary, otherEndpoints);
    }

    static Path binary() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, "etcdctl");
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        Privileged.unavailable("etcdctl's scenarios", "etcdctl on the PATH (Debian's etcd-client package)");
        throw new AssertionError("unreachable");
    }

    private ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.add("--endpoints=" + endpoints);
        cmd.add("--dial-timeout=2s");
        cmd.add("--command-timeout=5s");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // Only what this class says: no ETCDCTL_ENDPOINTS or the like from the developer's shell.
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
        pb.environment().put("ETCDCTL_API", "3");
        return pb;
    }

    /** Runs a command that ends, with nothing on its standard input. */
    Result run(String... args) {
        return runWithInput(null, args);
    }

    /** Runs a command that ends, {@code stdin} (if not null) written to its standard input, which is then closed. */
    Result runWithInput(String stdin, String... args) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("etcdctl", ".out");
            err = Files.createTempFile("etcdctl", ".err");
            ProcessBuilder pb = builder(args).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(PROCESS_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("etcdctl " + String.join(" ", args) + " still ran after " + PROCESS_LIMIT
                        + "; stdout so far:\n" + Files.readString(out) + "stderr:\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static void delete(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a temp file left behind
            }
        }
    }

    /** Starts a command that blocks (watch, lease keep-alive, lock, elect) until {@link Background#stop()}. */
    Background start(String... args) {
        try {
            return new Background(String.join(" ", args), builder(args)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A running etcdctl: its standard output as lines in a queue and as one text, its standard error as text.
     * Close it (try-with-resources) to make sure it does not outlive the test.
     */
    static final class Background implements AutoCloseable {
        private final String command;
        private final Process process;
        /** Each stdout line, as it comes. */
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuilder out = new StringBuilder();
        private final StringBuilder err = new StringBuilder();
        private final Thread outReader;
        private final Thread errReader;

        private Background(String command, Process process) {
            this.command = command;
            this.process = process;
            outReader = pump(process.getInputStream(), line -> {
                synchronized (out) {
                    out.append(line).append('\n');
                }
                lines.add(line);
            }, "etcdctl-out " + command);
            errReader = pump(process.getErrorStream(), line -> {
                synchronized (err) {
                    err.append(line).append('\n');
                }
            }, "etcdctl-err " + command);
        }

        private static Thread pump(InputStream in, java.util.function.Consumer<String> sink, String name) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        sink.accept(line);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        /** Standard output so far, each line ended by a newline. */
        String out() {
            synchronized (out) {
                return out.toString();
            }
        }

        String err() {
            synchronized (err) {
                return err.toString();
            }
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Waits (at most {@code limit}) until standard output so far satisfies {@code what}, and returns it. */
        String awaitOut(Duration limit, Predicate<String> what) {
            until(limit, () -> what.test(out()) || !process.isAlive() && what.test(drained()),
                    "printing what the test waits for");
            return out();
        }

        private void until(Duration limit, java.util.concurrent.Callable<Boolean> condition, String what) {
            try {
                await().atMost(limit).pollInterval(Duration.ofMillis(50)).until(condition);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("within " + limit + ", " + this + "\nwas not " + what, e);
            }
        }

        /** The output once the readers have taken all the process wrote (after it ended). */
        private String drained() {
            try {
                outReader.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return out();
        }

        /** Waits (at most {@code limit}) for the process to end by itself; its exit code. */
        int awaitExit(Duration limit) {
            until(limit, () -> !process.isAlive(), "ended");
            joinReaders();
            return process.exitValue();
        }

        /**
         * SIGTERM, as a user's kill would send (lock and elect unlock or resign on it, and exit 0; watch and
         * keep-alive die of it), and waits for the end; its exit code.
         */
        int stop() {
            if (process.isAlive()) {
                process.destroy();
            }
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            joinReaders();
            return process.exitValue();
        }

        private void joinReaders() {
            try {
                outReader.join(2_000);
                errReader.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public String toString() {
            return "etcdctl " + command + (process.isAlive() ? " (running)" : " (exit " + process.exitValue() + ")")
                    + "\n--- stdout:\n" + out() + "--- stderr:\n" + err();
        }
    }
}
