package raftkv.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import raftkv.client.FakeNode;

/**
 * kvctl's auth, user and role commands and its --user flag, in etcdctl's forms, against a {@link FakeNode} that
 * answers as etcd's gateway: the requests they send, what they print, their exit codes.
 */
class AuthCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEADER = "{\"header\":{\"revision\":\"7\"}";
    private static final Map<String, String> ANSWERS = Map.of(
            "/v3/auth/authenticate", HEADER + ",\"token\":\"tok\"}",
            "/v3/auth/status", HEADER + ",\"enabled\":true,\"authRevision\":\"5\"}",
            "/v3/auth/user/get", HEADER + ",\"roles\":[\"reader\",\"writer\"]}",
            "/v3/auth/user/list", HEADER + ",\"users\":[\"alice\",\"root\"]}",
            "/v3/auth/role/list", HEADER + ",\"roles\":[\"reader\",\"root\"]}",
            "/v3/auth/role/get", HEADER + ",\"perm\":[{\"key\":\"YQ==\",\"range_end\":\"Yw==\"},{\"key\":\"Zm9v\"},"
                    + "{\"permType\":\"READWRITE\",\"key\":\"cC8=\",\"range_end\":\"cDA=\"},"
                    + "{\"permType\":\"WRITE\",\"key\":\"eg==\",\"range_end\":\"AA==\"}]}");

    private FakeNode node;
    private String out;
    private String err;

    @BeforeEach
    void start() throws Exception {
        node = new FakeNode(r -> new FakeNode.Reply(200, ANSWERS.getOrDefault(r.path(), HEADER + "}")));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private int withStdin(String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("--command-timeout", "3"));
        if (!List.of(args).contains("--endpoints")) {
            all.addAll(List.of("--endpoints", node.uri().toString()));
        }
        all.addAll(List.of(args));
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int exit = Kvctl.run(all.toArray(new String[0]), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(o, true), new PrintWriter(e, true));
        out = o.toString();
        err = e.toString();
        return exit;
    }

    private int kvctl(String... args) {
        return withStdin("", args);
    }

    private FakeNode.Request request(String path) {
        return node.requests().stream().filter(r -> r.path().equals(path)).reduce((a, b) -> b).orElseThrow();
    }

    private JsonNode body(String path) throws Exception {
        return JSON.readTree(request(path).body());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void authEnableDisableStatus() {
        assertEquals(0, kvctl("auth", "enable"));
        assertEquals("Authentication Enabled\n", out);
        assertEquals(0, kvctl("auth", "disable"));
        assertEquals("Authentication Disabled\n", out);
        assertEquals(0, kvctl("auth", "status"));
        assertEquals("Authentication Status: true\nAuthRevision: 5\n", out);
    }

    @Test
    void userAddTakesThePasswordAsEtcdctlDoes() throws Exception {
        assertEquals(0, kvctl("user", "add", "root:s3cret"));
        assertEquals("User root created\n", out);
        assertEquals("root", body("/v3/auth/user/add").path("name").asText());
        assertEquals("s3cret", body("/v3/auth/user/add").path("password").asText());

        assertEquals(0, withStdin("from-stdin\n", "user", "add", "alice", "--interactive=false"));
        assertEquals("User alice created\n", out);
        assertEquals("from-stdin", body("/v3/auth/user/add").path("password").asText());

        assertEquals(0, kvctl("user", "add", "bob", "--new-user-password", "flag"));
        assertEquals("flag", body("/v3/auth/user/add").path("password").asText());

        assertEquals(0, kvctl("user", "add", "cn-app", "--no-password"));
        JsonNode noPassword = body("/v3/auth/user/add");
        assertTrue(noPassword.path("options").path("no_password").asBoolean());
        assertTrue(noPassword.path("password").isMissingNode());
    }

    @Test
    void userCommandsPrintEtcdctlsSentences() throws Exception {
        assertEquals(0, kvctl("user", "get", "alice"));
        assertEquals("User: alice\nRoles: reader writer\n", out);
        assertEquals(0, kvctl("user", "list"));
        assertEquals("alice\nroot\n", out);
        assertEquals(0, kvctl("user", "delete", "alice"));
        assertEquals("User alice deleted\n", out);
        assertEquals(0, withStdin("newpw\n", "user", "passwd", "alice", "--interactive=false"));
        assertEquals("Password updated\n", out);
        assertEquals("newpw", body("/v3/auth/user/changepw").path("password").asText());
        assertEquals(0, kvctl("user", "grant-role", "alice", "reader"));
        assertEquals("Role reader is granted to user alice\n", out);
        assertEquals("alice", body("/v3/auth/user/grant").path("user").asText());
        assertEquals(0, kvctl("user", "revoke-role", "alice", "reader"));
        assertEquals("Role reader is revoked from user alice\n", out);
        assertEquals("alice", body("/v3/auth/user/revoke").path("name").asText());
    }

    @Test
    void roleGetPrintsReadAndWritePermissionsAsEtcdctl() {
        assertEquals(0, kvctl("role", "get", "reader"));
        assertEquals("Role reader\nKV Read:\n\t[a, c)\n\tfoo\n\t[p/, p0) (prefix p/)\n"
                + "KV Write:\n\t[p/, p0) (prefix p/)\n\t[z, <open ended>\n", out);
        assertEquals(0, kvctl("role", "list"));
        assertEquals("reader\nroot\n", out);
        assertEquals(0, kvctl("role", "add", "reader"));
        assertEquals("Role reader created\n", out);
        assertEquals(0, kvctl("role", "delete", "reader"));
        assertEquals("Role reader deleted\n", out);
    }

    @Test
    void grantPermissionTakesEtcdctlsKeyForms() throws Exception {
        assertEquals(0, kvctl("role", "grant-permission", "reader", "read", "foo"));
        assertEquals("Role reader updated\n", out);
        JsonNode perm = body("/v3/auth/role/grant").path("perm");
        assertEquals("READ", perm.path("permType").asText());
        assertEquals(b64("foo"), perm.path("key").asText());
        assertTrue(perm.path("range_end").isMissingNode(), "one key");

        assertEquals(0, kvctl("role", "grant-permission", "--prefix", "reader", "readwrite", "p/"));
        perm = body("/v3/auth/role/grant").path("perm");
        assertEquals("READWRITE", perm.path("permType").asText());
        assertEquals(b64("p0"), perm.path("range_end").asText());

        assertEquals(0, kvctl("role", "grant-permission", "reader", "WRITE", "z", "--from-key"));
        assertEquals(b64("\0"), body("/v3/auth/role/grant").path("perm").path("range_end").asText());

        assertEquals(0, kvctl("role", "grant-permission", "reader", "read", "a", "c"));
        assertEquals(b64("c"), body("/v3/auth/role/grant").path("perm").path("range_end").asText());

        assertEquals(0, kvctl("role", "grant-permission", "--prefix", "reader", "read", ""));
        perm = body("/v3/auth/role/grant").path("perm");
        assertEquals(b64("\0"), perm.path("key").asText(), "every key, as etcdctl sends it");
        assertEquals(b64("\0"), perm.path("range_end").asText());
    }

    @Test
    void badPermissionArgumentsAreUsageErrorsAndSendNothing() {
        assertEquals(2, kvctl("role", "grant-permission", "reader", "rw", "x"));
        assertEquals("Error: invalid permission type: rw\n", err);
        assertEquals(2, kvctl("role", "grant-permission", "--prefix", "reader", "read", "a", "b"));
        assertEquals("Error: unexpected endkey argument with --prefix flag\n", err);
        assertEquals(2, kvctl("role", "revoke-permission", "--prefix", "--from-key", "reader", "a"));
        assertEquals("Error: --from-key and --prefix flags are mutually exclusive\n", err);
        assertTrue(node.requests().stream().noneMatch(r -> r.path().startsWith("/v3/auth/role/")));
    }

    @Test
    void revokePermissionSaysWhatWasRevoked() throws Exception {
        assertEquals(0, kvctl("role", "revoke-permission", "reader", "foo"));
        assertEquals("Permission of key foo is revoked from role reader\n", out);
        assertEquals(0, kvctl("role", "revoke-permission", "--prefix", "reader", "p/"));
        assertEquals("Permission of range [p/, p0) is revoked from role reader\n", out);
        assertEquals(b64("p0"), body("/v3/auth/role/revoke").path("range_end").asText());
        assertEquals(0, kvctl("role", "revoke-permission", "--from-key", "reader", "z"));
        assertEquals("Permission of range [z, <open ended> is revoked from role reader\n", out);
    }

    @Test
    void theUserFlagAuthenticatesAndEveryRequestCarriesTheToken() throws Exception {
        assertEquals(0, kvctl("--user", "root:pw", "role", "list"));
        assertEquals("root", body("/v3/auth/authenticate").path("name").asText());
        assertEquals("pw", body("/v3/auth/authenticate").path("password").asText());
        assertNull(request("/v3/auth/authenticate").header("Authorization"));
        assertEquals("tok", request("/v3/auth/role/list").header("Authorization"));

        assertEquals(0, kvctl("--user", "root", "--password", "p:w", "user", "list"));
        assertEquals("root", body("/v3/auth/authenticate").path("name").asText());
        assertEquals("p:w", body("/v3/auth/authenticate").path("password").asText(), "--password is taken whole");

        assertEquals(0, withStdin("typed\n", "--user", "root", "get", "k"));
        assertEquals("typed", body("/v3/auth/authenticate").path("password").asText(), "read when not given");
    }

    @Test
    void aWrongPasswordOrADeniedRequestIsARefusal() {
        node.script(r -> r.path().equals("/v3/auth/authenticate")
                ? error(400, 3, "etcdserver: authentication failed, invalid user ID or password")
                : error(403, 7, "etcdserver: permission denied"));
        assertEquals(1, kvctl("--user", "root:nope", "get", "k"));
        assertEquals("Error: etcdserver: authentication failed, invalid user ID or password\n", err);
        assertTrue(!err.contains("nope") && !out.contains("nope"), "the password is not shown");

        node.script(r -> r.path().equals("/v3/auth/authenticate") ? new FakeNode.Reply(200, ANSWERS.get(r.path()))
                : error(403, 7, "etcdserver: permission denied"));
        assertEquals(1, kvctl("--user", "alice:pw", "put", "k", "v"));
        assertEquals("Error: etcdserver: permission denied\n", err);
    }

    @Test
    void tlsFlagsThatCannotWorkAreUsageErrors() {
        assertEquals(2, kvctl("--cacert", "/nonexistent/ca.pem", "get", "k"));
        assertTrue(err.contains("is not https://"), err);
        assertEquals(2, kvctl("--endpoints", "https://127.0.0.1:1", "--cert", "c.pem", "get", "k"));
        assertEquals("Error: --cert and --key go together\n", err);
        assertEquals(2, kvctl("--endpoints", "https://127.0.0.1:1", "--cacert", "/nonexistent/ca.pem", "get", "k"));
        assertTrue(err.contains("/nonexistent/ca.pem"), err);
    }

    private static FakeNode.Reply error(int status, int code, String message) {
        return new FakeNode.Reply(status, "{\"error\":\"" + message + "\",\"code\":" + code + ",\"message\":\""
                + message + "\"}");
    }
}
