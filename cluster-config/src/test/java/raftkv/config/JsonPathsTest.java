package raftkv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonPathsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void namesFieldsWithDotsAndPositionsInBrackets() {
        JsonMappingException e = assertThrows(JsonMappingException.class, () -> JSON.readValue(
                "{\"cluster\":{\"members\":[{\"id\":1},{\"id\":\"two\"}]}}",
                new TypeReference<Map<String, Map<String, List<Map<String, Integer>>>>>() { }));
        assertEquals("cluster.members[1].id", JsonPaths.of(e, "(top level)"));
    }

    @Test
    void theWholeDocumentIsNamedByTheCaller() {
        JsonMappingException e = assertThrows(JsonMappingException.class, () -> JSON.readValue("\"x\"", Integer.class));
        assertEquals("(top level)", JsonPaths.of(e, "(top level)"));
        assertEquals("(body)", JsonPaths.of(e, "(body)"));
    }
}
