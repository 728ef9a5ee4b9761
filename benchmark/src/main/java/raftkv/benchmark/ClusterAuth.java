package raftkv.benchmark;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import raftkv.benchmark.driver.JetcdDriver;
import raftkv.benchmark.driver.RaftKvDriver;
import raftkv.benchmark.driver.Security;
import raftkv.client.MaintenanceClient;
import raftkv.client.RaftKv;

/**
 * Authentication on one cluster, for {@link SecurityCost}: the users it needs, and auth turned on before each auth
 * run and off after it, all through etcd's Auth API. User {@code root} (role root) is there because auth cannot be
 * turned on without it and only it may turn auth off again; user {@code bench}, whose role may read and write every
 * key, is the load's user, because root skips the permission check that is part of what auth costs.
 */
final class ClusterAuth implements AutoCloseable {

    static final String LOAD_USER = "bench";
    private static final String ROOT = "root";
    /** Key "\0" with range_end "\0": every key, as {@code etcdctl role grant-permission --from-key ''} grants. */
    private static final ByteSequence EVERY_KEY = ByteSequence.from(new byte[] {0});

    private final String name;
    private final List<String> endpoints;
    private final Security tls;
    private final String password;
    /** Without a user: auth is off whenever it is used. */
    private final Client admin;
    /** raftkv's own client, for what jetcd's status lacks: each member's applied index. */
    private final RaftKv status;

    /** {@code tls}: the cluster's client TLS files, or none; {@code password}: root's and bench's. */
    ClusterAuth(String name, List<String> endpoints, Security tls, String password) {
        this.name = name;
        this.endpoints = endpoints;
        this.tls = tls;
        this.password = password;
        this.admin = JetcdDriver.client(endpoints, tls);
        this.status = RaftKvDriver.client(endpoints, tls);
    }

    /** What the load presents while auth is off: the cluster's TLS files, or nothing. */
    Security tls() {
        return tls;
    }

    /** What the load presents while auth is on: the cluster's TLS files, as user bench. */
    Security loadSecurity() {
        return tls.asUser(LOAD_USER, password);
    }

    /**
     * Adds root and bench, and bench's role, with auth off; users that are there already (a second run on the same
     * clusters) get this run's password instead.
     */
    void setUp() throws Exception {
        Auth auth = admin.getAuthClient();
        if (!get(auth.roleList()).getRoles().contains(LOAD_USER)) {
            get(auth.roleAdd(bytes(LOAD_USER)));
        }
        get(auth.roleGrantPermission(bytes(LOAD_USER), EVERY_KEY, EVERY_KEY, Permission.Type.READWRITE));
        List<String> users = get(auth.userList()).getUsers();
        for (String user : List.of(ROOT, LOAD_USER)) {
            if (users.contains(user)) {
                get(auth.userChangePassword(bytes(user), bytes(password)));
            } else {
                get(auth.userAdd(bytes(user), bytes(password)));
            }
            get(auth.userGrantRole(bytes(user), bytes(user.equals(ROOT) ? ROOT : LOAD_USER)));
        }
    }

    void enable() throws Exception {
        get(admin.getAuthClient().authEnable());
        awaitEveryMember();
    }

    /** Auth off again, as root: through a client of its own, whose token need not outlive this call. */
    void disable() throws Exception {
        try (Client root = JetcdDriver.client(endpoints, tls.asUser(ROOT, password))) {
            get(root.getAuthClient().authDisable());
        }
        awaitEveryMember();
    }

    /**
     * Waits until every member has applied what the leader had committed: that auth is on, or off. A member that
     * lags judges requests by the state before, although the change was acknowledged. After AuthDisable it refuses
     * requests without a token on arrival ("user name is empty"); after AuthEnable it serves requests unchecked,
     * and a client whose token it accepted then (one from before, void since) keeps using it until another member
     * refuses it, and jetcd waits half a second before it retries.
     */
    private void awaitEveryMember() throws Exception {
        long committed = 0;
        for (String e : endpoints) {
            committed = Math.max(committed, get(status.maintenance().status(URI.create(e))).raftIndex());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String e : endpoints) {
            MaintenanceClient.Status s;
            while ((s = get(status.maintenance().status(URI.create(e)))).raftAppliedIndex() < committed) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + ": member " + e + " applied " + s.raftAppliedIndex()
                            + " of " + committed + " entries within 30 s");
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
        }
    }

    /**
     * Fails unless the load's credentials make it bench while auth is on. On a cluster that takes a client
     * certificate's CN as the user, the load presents root's certificate too, and only the token (which should win)
     * makes it bench; were it root, the auth runs would skip the permission checks they are meant to measure.
     * Listing the users is root's alone.
     */
    void checkLoadIsNotRoot() throws Exception {
        try (Client load = JetcdDriver.client(endpoints, loadSecurity())) {
            get(load.getAuthClient().userList());
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c != null && !(c instanceof EtcdException)) {
                c = c.getCause();
            }
            if (c != null && ((EtcdException) c).getErrorCode() == ErrorCode.PERMISSION_DENIED) {
                return;
            }
            throw e;
        }
        throw new IllegalStateException(name + ": the load's user bench listed the users, which only root may: "
                + "the cluster took it for root (its client certificate?), so the auth runs would not measure the "
                + "permission checks");
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        admin.close();
        status.close();
    }
}
