package raftkv.server.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import raftkv.config.JsonPaths;

/**
 * The one JSON mapper of the API, configured as etcd's gateway behaves: int64 written as strings, zero values
 * left out, unknown fields refused. Decoding errors become a {@link BadRequest} whose message names the field.
 */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // 1.5 is not a revision
            .serializationInclusion(JsonInclude.Include.NON_DEFAULT)
            .addModule(new SimpleModule("int64-as-string")
                    .addSerializer(Long.class, ToStringSerializer.instance)
                    .addSerializer(Long.TYPE, ToStringSerializer.instance))
            .addModule(new SimpleModule("bytes-as-base64-only").addDeserializer(byte[].class, new Base64Only()))
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
    }

    private Json() {
    }

    /** A request body that cannot be decoded; the message says which field and why. */
    public static final class BadRequest extends Exception {
        public BadRequest(String message) {
            super(message);
        }
    }

    public static <T> T decode(byte[] body, Class<T> type) throws BadRequest {
        if (body.length == 0) {
            throw new BadRequest("request body is empty; expected a JSON object");
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw new BadRequest("request body is null; expected a JSON object");
            }
            return value;
        } catch (IOException e) {
            throw badRequest(e);
        }
    }

    /** The client's mistake, in words that name the field. */
    private static BadRequest badRequest(IOException error) {
        if (error instanceof UnrecognizedPropertyException e) {
            return new BadRequest("unknown field \"" + field(e) + "\"");
        } else if (error instanceof InvalidFormatException e) {
            return new BadRequest("field \"" + field(e) + "\": " + describe(e.getValue(), e.getTargetType()));
        } else if (error instanceof MismatchedInputException e) {
            return new BadRequest("field \"" + field(e) + "\": wrong type, expected " + expected(e.getTargetType()));
        } else if (error instanceof JsonMappingException e) {
            return new BadRequest("field \"" + field(e) + "\": " + e.getOriginalMessage());
        } else if (error instanceof JsonProcessingException e) {
            // Jackson's limits (nesting depth, number length) report no location.
            var at = e.getLocation();
            return new BadRequest("malformed JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column "
                    + at.getColumnNr()) + ": " + e.getOriginalMessage());
        }
        return new BadRequest("unreadable request body: " + error.getMessage());
    }

    /**
     * Bytes are base64 text, as in etcd's gateway; Jackson would also take an array of numbers, which no etcd client
     * sends and which would let a malformed request through.
     */
    private static final class Base64Only extends com.fasterxml.jackson.databind.deser.std.StdDeserializer<byte[]> {
        private final com.fasterxml.jackson.databind.JsonDeserializer<?> standard =
                com.fasterxml.jackson.databind.deser.std.PrimitiveArrayDeserializers.forType(byte.class);

        Base64Only() {
            super(byte[].class);
        }

        @Override
        public byte[] deserialize(com.fasterxml.jackson.core.JsonParser p,
                                  com.fasterxml.jackson.databind.DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(com.fasterxml.jackson.core.JsonToken.VALUE_STRING)) {
                return (byte[]) ctxt.handleUnexpectedToken(byte[].class, p);
            }
            return (byte[]) standard.deserialize(p, ctxt);
        }
    }

    /** Decodes one object already parsed into tokens (a message of a stream). */
    public static <T> T decode(com.fasterxml.jackson.databind.util.TokenBuffer tokens, Class<T> type)
            throws BadRequest {
        try (com.fasterxml.jackson.core.JsonParser p = tokens.asParser(MAPPER)) {
            return MAPPER.readValue(p, type);
        } catch (IOException e) {
            throw badRequest(e);
        }
    }

    /** Decodes a body of one or more JSON objects, one after the other (a stream, as keepalive sends them). */
    public static <T> java.util.List<T> decodeAll(byte[] body, Class<T> type) throws BadRequest {
        java.util.List<T> out = new java.util.ArrayList<>();
        try (com.fasterxml.jackson.databind.MappingIterator<T> it = MAPPER.readerFor(type)
                .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValues(body)) {
            while (it.hasNextValue()) {
                out.add(it.nextValue());
            }
        } catch (IOException e) {
            throw badRequest(e);
        } catch (RuntimeException e) {
            // MappingIterator wraps what the parser throws
            if (e.getCause() instanceof IOException io) {
                throw badRequest(io);
            }
            throw e;
        }
        if (out.isEmpty()) {
            throw new BadRequest("request body is empty; expected a JSON object");
        }
        return out;
    }

    public static byte[] encode(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    private static String describe(Object value, Class<?> target) {
        if (target == byte[].class) {
            return "not valid base64";
        }
        if (target != null && target.isEnum()) {
            return "'" + value + "' is not one of " + java.util.Arrays.toString(target.getEnumConstants());
        }
        return "'" + value + "' is not " + expected(target);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "a different type";
        }
        if (type == Long.class || type == long.class || type == Integer.class || type == int.class) {
            return "an integer (number or string)";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == byte[].class) {
            return "base64 text";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        }
        if (java.util.List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "an object";
    }

    private static String field(JsonMappingException e) {
        return JsonPaths.of(e, "(body)");
    }
}
