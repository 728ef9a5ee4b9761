package raftkv.client.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;

/**
 * {@code kvctl}, the shell companion in the manner of etcdctl. Exit codes scripts can rely on: 0 done, 1 the
 * cluster refused the request (the message says why, wrong passwords and denied permissions included), 2 bad usage,
 * 3 no endpoint could serve it (TLS handshakes refused included), 4 a write whose outcome is unknown.
 *
 * <p>TLS and authentication take etcdctl's global flags: {@code --cacert}, {@code --cert}, {@code --key},
 * {@code --insecure-skip-tls-verify}, {@code --user name[:password]} and {@code --password}.
 */
@Command(name = "kvctl", mixinStandardHelpOptions = true, version = "kvctl 0.2.0",
        description = "Talks to a raftkv cluster.",
        subcommands = {KvCommands.Get.class, KvCommands.Put.class, KvCommands.Del.class, KvCommands.Compaction.class,
                WatchCommand.class, LeaseCommands.class, MemberCommands.class, EndpointCommands.class,
                MaintenanceCommands.Defrag.class, MaintenanceCommands.Alarm.class,
                MaintenanceCommands.Snapshot.class, TxnCommand.class, RecipeCommands.LockCmd.class,
                RecipeCommands.ElectCmd.class, AuthCommands.class, UserCommands.class, RoleCommands.class})
public final class Kvctl {

    static final int REFUSED = 1;
    static final int UNAVAILABLE = 3;
    static final int UNKNOWN_OUTCOME = 4;

    @Option(names = "--endpoints", split = ",", scope = CommandLine.ScopeType.INHERIT,
            description = "comma-separated client URLs (default: the local cluster, ${DEFAULT-VALUE})",
            defaultValue = "http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379")
    List<String> endpoints;

    @Option(names = {"-w", "--write-out"}, scope = CommandLine.ScopeType.INHERIT, defaultValue = "simple",
            description = "output format: simple, json or table")
    Output.Format format;

    @Option(names = "--command-timeout", scope = CommandLine.ScopeType.INHERIT, defaultValue = "10",
            description = "seconds a command may take, retries included")
    long timeoutSeconds;

    @Option(names = "--user", scope = CommandLine.ScopeType.INHERIT,
            description = "username[:password] for authentication (prompt if password is not supplied)")
    String user;

    @Option(names = "--password", scope = CommandLine.ScopeType.INHERIT,
            description = "password for authentication (if this option is used, --user option shouldn't include"
                    + " password)")
    String password;

    @Option(names = "--cacert", scope = CommandLine.ScopeType.INHERIT,
            description = "verify certificates of TLS-enabled secure servers using this CA bundle")
    Path caCert;

    @Option(names = "--cert", scope = CommandLine.ScopeType.INHERIT,
            description = "identify secure client using this TLS certificate file")
    Path cert;

    @Option(names = "--key", scope = CommandLine.ScopeType.INHERIT,
            description = "identify secure client using this TLS key file (unencrypted PKCS#8 PEM)")
    Path key;

    @Option(names = "--insecure-skip-tls-verify", scope = CommandLine.ScopeType.INHERIT,
            description = "skip server certificate verification (CAUTION: this option should be enabled only for"
                    + " testing purposes)")
    boolean insecureSkipTlsVerify;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    private static final ThreadLocal<java.io.InputStream> STDIN = ThreadLocal.withInitial(() -> System.in);

    static java.io.InputStream stdin() {
        return STDIN.get();
    }

    /** As {@link #run(String[], PrintWriter, PrintWriter)}, reading {@code in} as standard input (txn). */
    public static int run(String[] args, java.io.InputStream in, PrintWriter out, PrintWriter err) {
        STDIN.set(in);
        try {
            return run(args, out, err);
        } finally {
            STDIN.remove();
        }
    }

    /** Runs kvctl with {@code args}, writing to {@code out} and {@code err}; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Kvctl());
        cl.setOut(out).setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            err.println("Error: " + c.getMessage());
            if (c instanceof UsageError) {
                return 2;
            }
            if (c instanceof RaftKvException.OutcomeUnknown) {
                return UNKNOWN_OUTCOME;
            }
            if (c instanceof RaftKvException.Unavailable || c instanceof RaftKvException.TlsHandshakeFailed) {
                return UNAVAILABLE;
            }
            return REFUSED;
        });
        return cl.execute(args);
    }

    /** Input a command could not make sense of (exit code 2, as picocli's own usage errors). */
    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }

    RaftKv connect() {
        RaftKv.Builder b = RaftKv.builder().endpoints(endpoints).timeout(java.time.Duration.ofSeconds(timeoutSeconds));
        if (caCert != null) {
            b.caCert(caCert);
        }
        if ((cert == null) != (key == null)) {
            throw new UsageError("--cert and --key go together");
        }
        if (cert != null) {
            b.clientCert(cert, key);
        }
        if (insecureSkipTlsVerify) {
            b.insecureSkipTlsVerify();
        }
        if (password != null && user == null) {
            throw new UsageError("--password needs --user");
        }
        if (user != null) {
            Credentials c = Credentials.of(user, password);
            b.user(c.name(), c.password());
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    /** A user name and password, from {@code --user} and {@code --password} as etcdctl reads them. */
    record Credentials(String name, String password) {

        /**
         * {@code --user name:password}, or {@code --user name --password pw} (the whole of {@code --user} is then the
         * name), or {@code --user name} alone: the password is asked for, as {@link PasswordPrompt} reads it.
         */
        static Credentials of(String user, String password) {
            if (password != null) {
                return new Credentials(user, password);
            }
            int colon = user.indexOf(':');
            if (colon >= 0) {
                return new Credentials(user.substring(0, colon), user.substring(colon + 1));
            }
            return new Credentials(user, PasswordPrompt.read("Password: "));
        }

        @Override
        public String toString() {
            return name; // never the password
        }
    }

    List<URI> endpointUris() {
        return endpoints.stream().map(URI::create).toList();
    }

    /** A subcommand with the shared options and a client. */
    abstract static class Base implements Callable<Integer> {
        @CommandLine.ParentCommand
        Object parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Kvctl root() {
            Object p = parent;
            while (!(p instanceof Kvctl)) {
                p = ((Base) p).parent;
            }
            return (Kvctl) p;
        }

        Output out() {
            return new Output(root().format, spec.commandLine().getOut());
        }

        @Override
        public Integer call() throws Exception {
            try (RaftKv kv = root().connect()) {
                return run(kv);
            }
        }

        abstract Integer run(RaftKv kv) throws Exception;
    }

    /** A command that only groups subcommands (lease, member...): alone, it prints its usage and needs no client. */
    abstract static class Group extends Base {
        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 2;
        }

        @Override
        final Integer run(RaftKv kv) {
            return call();
        }
    }

    /** Keeps a long-running command (watch, keep-alive) going until the process is interrupted. */
    static void waitForever() throws InterruptedException {
        new CountDownLatch(1).await();
    }

    static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
