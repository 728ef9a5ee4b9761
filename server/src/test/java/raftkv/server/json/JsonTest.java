package raftkv.server.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bad bodies become a BadRequest whose message says what is wrong, never another exception (a 500). */
class JsonTest {

    private static Json.BadRequest refused(String body) {
        return assertThrows(Json.BadRequest.class,
                () -> Json.decode(body.getBytes(StandardCharsets.UTF_8), RequestJson.Range.class));
    }

    @Test
    void nestingBeyondJacksonsLimitIsABadRequest() {
        int depth = 20_000;
        String deep = "{\"key\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        var e = assertThrows(Json.BadRequest.class,
                () -> Json.decode(deep.getBytes(StandardCharsets.UTF_8), RequestJson.LeaseTimeToLive.class));
        assertTrue(e.getMessage().contains("malformed JSON") && e.getMessage().contains("depth"), e.getMessage());
    }

    @Test
    void aNumberTooLongIsABadRequest() {
        var e = refused("{\"limit\":" + "9".repeat(5_000) + "}");
        assertTrue(e.getMessage().contains("limit") || e.getMessage().contains("malformed"), e.getMessage());
    }

    @Test
    void bytesAreBase64TextOnly() throws Exception {
        assertTrue(refused("{\"key\":[1,2]}").getMessage().contains("key"));
        assertTrue(refused("{\"key\":\"!!\"}").getMessage().contains("base64"));
        var ok = Json.decode("{\"key\":\"YQ==\"}".getBytes(StandardCharsets.UTF_8), RequestJson.Range.class);
        assertTrue(new String(ok.key(), StandardCharsets.UTF_8).equals("a"));
    }

    @Test
    void wrongTypesAndUnknownFieldsNameTheField() {
        assertTrue(refused("{\"limit\":\"ten\"}").getMessage().contains("limit"));
        assertTrue(refused("{\"no_such\":1}").getMessage().contains("no_such"));
        assertTrue(refused("{\"key\":").getMessage().contains("malformed JSON at line 1"));
    }

    @Test
    void theFieldIsAPathAndTheBodyItselfIsNamedSo() {
        assertEquals("field \"(body)\": wrong type, expected an object", refused("[]").getMessage());
        var e = assertThrows(Json.BadRequest.class, () -> Json.decode(
                "{\"compare\":[{},{\"key\":\"!!\"}]}".getBytes(StandardCharsets.UTF_8), RequestJson.Txn.class));
        assertEquals("field \"compare[1].key\": not valid base64", e.getMessage());
    }
}
