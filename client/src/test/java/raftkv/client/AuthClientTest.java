package raftkv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link AuthClient} speaks etcd's gateway: the path and body of each call, and how each answer is read. */
class AuthClientTest {

    private static final String HEADER = "{\"header\":{\"revision\":\"7\",\"raft_term\":\"2\"}";

    private static final Map<String, String> ANSWERS = Map.of(
            "/v3/auth/status", HEADER + ",\"enabled\":true,\"authRevision\":\"12\"}",
            "/v3/auth/user/get", HEADER + ",\"roles\":[\"reader\",\"writer\"]}",
            "/v3/auth/user/list", HEADER + ",\"users\":[\"alice\",\"root\"]}",
            "/v3/auth/role/list", HEADER + ",\"roles\":[\"reader\",\"root\"]}",
            // As etcd 3.4's gateway renders them: READ left out, the others by name; range_end only for ranges.
            "/v3/auth/role/get", HEADER + ",\"perm\":[{\"key\":\"aw==\"},{\"permType\":\"WRITE\",\"key\":\"cC8=\","
                    + "\"range_end\":\"cDA=\"},{\"permType\":2,\"key\":\"eg==\",\"range_end\":\"AA==\"}]}");

    private FakeNode node;
    private RaftKv kv;

    @BeforeEach
    void start() throws Exception {
        node = new FakeNode(r -> new FakeNode.Reply(200, ANSWERS.getOrDefault(r.path(), HEADER + "}")));
        kv = RaftKv.builder().endpoints(node.uri().toString()).timeout(Duration.ofSeconds(3)).build();
    }

    @AfterEach
    void stop() {
        kv.close();
        node.close();
    }

    private JsonNode sent(String path) throws Exception {
        FakeNode.Request r = node.nextRequest(5_000);
        assertEquals(path, r.path());
        return Rpc.JSON.readTree(r.body());
    }

    interface Call {
        Object on(AuthClient auth) throws Exception;
    }

    static Stream<Arguments> changes() {
        return Stream.of(
                change(a -> a.enable(), "/v3/auth/enable", "{}"),
                change(a -> a.disable(), "/v3/auth/disable", "{}"),
                change(a -> a.userAdd("alice", "pw"), "/v3/auth/user/add", "{\"name\":\"alice\",\"password\":\"pw\"}"),
                change(a -> a.userAddWithoutPassword("cn-app"), "/v3/auth/user/add",
                        "{\"name\":\"cn-app\",\"options\":{\"no_password\":true}}"),
                change(a -> a.userDelete("alice"), "/v3/auth/user/delete", "{\"name\":\"alice\"}"),
                change(a -> a.userChangePassword("alice", "new"), "/v3/auth/user/changepw",
                        "{\"name\":\"alice\",\"password\":\"new\"}"),
                change(a -> a.userGrantRole("alice", "reader"), "/v3/auth/user/grant",
                        "{\"user\":\"alice\",\"role\":\"reader\"}"),
                change(a -> a.userRevokeRole("alice", "reader"), "/v3/auth/user/revoke",
                        "{\"name\":\"alice\",\"role\":\"reader\"}"),
                change(a -> a.roleAdd("reader"), "/v3/auth/role/add", "{\"name\":\"reader\"}"),
                change(a -> a.roleDelete("reader"), "/v3/auth/role/delete", "{\"role\":\"reader\"}"),
                change(a -> a.roleGrantPermission("reader", Permission.key(Permission.Type.READ, "k")),
                        "/v3/auth/role/grant", "{\"name\":\"reader\",\"perm\":{\"permType\":\"READ\",\"key\":\"aw==\"}}"),
                change(a -> a.roleGrantPermission("reader", Permission.prefix(Permission.Type.READWRITE, "p/")),
                        "/v3/auth/role/grant", "{\"name\":\"reader\",\"perm\":{\"permType\":\"READWRITE\","
                                + "\"key\":\"cC8=\",\"range_end\":\"cDA=\"}}"),
                change(a -> a.roleGrantPermission("reader", Permission.fromKey(Permission.Type.WRITE, "")),
                        "/v3/auth/role/grant", "{\"name\":\"reader\",\"perm\":{\"permType\":\"WRITE\","
                                + "\"key\":\"AA==\",\"range_end\":\"AA==\"}}"),
                change(a -> a.roleRevokePermission("reader", Wire.utf8("k"), new byte[0]), "/v3/auth/role/revoke",
                        "{\"role\":\"reader\",\"key\":\"aw==\"}"),
                change(a -> a.roleRevokePermission("reader", Permission.range(Permission.Type.READ, "a", "c")),
                        "/v3/auth/role/revoke", "{\"role\":\"reader\",\"key\":\"YQ==\",\"range_end\":\"Yw==\"}"));
    }

    private static Arguments change(Call call, String path, String body) {
        return Arguments.of(call, path, body);
    }

    @ParameterizedTest(name = "{1} {2}")
    @MethodSource("changes")
    void eachChangeSendsEtcdsRequestAndReturnsTheHeader(Call call, String path, String body) throws Exception {
        Header h = (Header) ((java.util.concurrent.CompletableFuture<?>) call.on(kv.auth())).get(10, TimeUnit.SECONDS);
        assertEquals(7, h.revision());
        assertEquals(Rpc.JSON.readTree(body), sent(path));
    }

    @Test
    void lookupsReadTheGatewaysAnswers() throws Exception {
        AuthStatus s = kv.auth().status().get(10, TimeUnit.SECONDS);
        assertTrue(s.enabled());
        assertEquals(12, s.authRevision(), "int64 as a JSON string");
        assertEquals(List.of("reader", "writer"), kv.auth().userGet("alice").get(10, TimeUnit.SECONDS));
        assertEquals(List.of("alice", "root"), kv.auth().userList().get(10, TimeUnit.SECONDS));
        assertEquals(List.of("reader", "root"), kv.auth().roleList().get(10, TimeUnit.SECONDS));

        List<Permission> perms = kv.auth().roleGet("reader").get(10, TimeUnit.SECONDS);
        assertEquals(3, perms.size());
        assertEquals(Permission.Type.READ, perms.get(0).type(), "an omitted permType is READ");
        assertTrue(perms.get(0).singleKey());
        assertEquals("k", perms.get(0).keyString());
        assertEquals(Permission.Type.WRITE, perms.get(1).type());
        assertTrue(perms.get(1).isPrefix());
        assertEquals(Permission.Type.READWRITE, perms.get(2).type(), "a numeric permType is read too");
        assertTrue(perms.get(2).openEnded());

        sent("/v3/auth/status");
        assertEquals("alice", sent("/v3/auth/user/get").path("name").asText());
        sent("/v3/auth/user/list");
        sent("/v3/auth/role/list");
        assertEquals("reader", sent("/v3/auth/role/get").path("role").asText());
    }

    @Test
    void permissionsForWholeKeySpaceAreAsEtcdctlMakesThem() {
        Permission all = Permission.prefix(Permission.Type.READ, "");
        assertArrayEquals(new byte[] {0}, all.key());
        assertArrayEquals(new byte[] {0}, all.rangeEnd());
        assertTrue(all.openEnded());
        assertEquals("READ [p/, p0)", Permission.prefix(Permission.Type.READ, "p/").toString());
    }
}
