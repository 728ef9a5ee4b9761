package raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** etcd's auth error answers, as the gateway sends them (HTTP status, gRPC code, message), and their exceptions. */
class AuthErrorsTest {

    @ParameterizedTest(name = "{2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "401 | 16 | etcdserver: invalid auth token | Unauthenticated",
            "400 |  3 | etcdserver: revision of auth store is old | Unauthenticated",
            "400 |  3 | etcdserver: user name is empty | Unauthenticated",
            "400 |  3 | etcdserver: authentication failed, invalid user ID or password | AuthFailed",
            "500 |  2 | auth: authentication failed, password was given for no password user | AuthFailed",
            "403 |  7 | etcdserver: permission denied | PermissionDenied",
            "400 |  9 | etcdserver: authentication is not enabled | AuthNotEnabled",
            "400 |  9 | etcdserver: user name not found | AuthStoreRefused",
            "400 |  9 | etcdserver: role name not found | AuthStoreRefused",
            "400 |  9 | etcdserver: user name already exists | AuthStoreRefused",
            "400 |  9 | etcdserver: role name already exists | AuthStoreRefused",
            "400 |  9 | etcdserver: root user does not exist | AuthStoreRefused",
            "400 |  9 | etcdserver: root user does not have root role | AuthStoreRefused",
            "400 |  9 | etcdserver: permission not given | AuthStoreRefused",
            "400 |  9 | etcdserver: role is not granted to the user | AuthStoreRefused",
            "400 |  9 | etcdserver: permission is not granted to the role | AuthStoreRefused",
            "400 |  9 | etcdserver: invalid auth management | AuthStoreRefused",
            "401 | 16 | some other unauthenticated wording | Unauthenticated",
            "400 |  3 | etcdserver: key is not provided | InvalidArgument"})
    void eachAnswerHasItsType(int status, int code, String message, String type) {
        RaftKvException e = RaftKvException.of(status, code, message);
        assertEquals(type, e.getClass().getSimpleName());
        assertEquals(message, e.getMessage());
        assertEquals(code, e.code());
    }
}
