package raftkv.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Reads and validates node configuration files (YAML, so JSON too), and writes them. */
public final class ConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

    private ConfigLoader() {
    }

    /** Loads {@code file}; a relative {@code dataDir} is taken relative to the working directory. */
    public static NodeConfig load(Path file) throws ConfigException {
        String where = file.toString();
        NodeConfig config;
        try {
            config = YAML.readValue(Files.readString(file), NodeConfig.class);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(where + ": no such file"));
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(List.of(where + ": field " + path(e) + ": unknown field (known: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", ")) + ")"));
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            throw new ConfigException(List.of(where + ": field " + path(e) + ": has the wrong type, expected "
                    + expected(e.getTargetType())));
        } catch (JsonMappingException e) {
            throw new ConfigException(List.of(where + ": field " + path(e) + ": " + e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(where + ": not valid YAML at line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ": " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(List.of(where + ": cannot read: " + e.getMessage()));
        }
        if (config == null) {
            throw new ConfigException(List.of(where + ": the file is empty"));
        }
        List<String> problems = ConfigValidator.validate(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream().map(p -> where + ": " + p).toList());
        }
        return config;
    }

    public static void write(NodeConfig config, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, YAML.writeValueAsString(config));
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "a number";
        }
        if (type == String.class) {
            return "text";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a section of fields";
    }

    private static String path(JsonMappingException e) {
        return JsonPaths.of(e, "(top level)");
    }
}
