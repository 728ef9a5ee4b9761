package raftkv.storage;

import java.nio.charset.StandardCharsets;

/** Short names for test keys and values. */
public final class TestKeys {

    private TestKeys() {
    }

    public static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
