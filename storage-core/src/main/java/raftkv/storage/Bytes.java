package raftkv.storage;

import java.util.Arrays;
import java.util.Comparator;

/** Keys are raw bytes ordered as etcd orders them: unsigned, lexicographic. */
public final class Bytes {

    public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private Bytes() {
    }

    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** A readable rendering for logs and test failures: printable ASCII as is, anything else as hex. */
    public static String show(byte[] b) {
        if (b == null) {
            return "null";
        }
        boolean printable = true;
        for (byte c : b) {
            if (c < 0x20 || c > 0x7e) {
                printable = false;
                break;
            }
        }
        if (printable) {
            return '"' + new String(b, java.nio.charset.StandardCharsets.US_ASCII) + '"';
        }
        StringBuilder sb = new StringBuilder("0x");
        for (byte c : b) {
            sb.append(Character.forDigit((c >> 4) & 0xF, 16)).append(Character.forDigit(c & 0xF, 16));
        }
        return sb.toString();
    }
}
