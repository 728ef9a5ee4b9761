package raftkv.storage.auth;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import raftkv.storage.KeyRange;

/**
 * The stored form of an {@link AuthState}, in the backend and in snapshots: deterministic (users and roles in name
 * order), so that members with the same state store and hash the same bytes.
 *
 * <pre>
 *   format(1) enabled(1) revision(8) tokenKey(bytes)
 *   userCount(4) { name(str) passwordHash(str) since(8) roleCount(4) role(str)* }*
 *   roleCount(4) { name(str) permCount(4) { type(1) key(bytes) end(bytes, length -1 for none) }* }*
 * </pre>
 */
public final class AuthCodec {

    private static final byte FORMAT = 1;
    /** A bound on any count or length read, so that damaged bytes cannot ask for gigabytes. */
    private static final int MAX = 16 << 20;

    private AuthCodec() {
    }

    public static byte[] encode(AuthState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeBoolean(s.enabled());
            out.writeLong(s.revision());
            writeBytes(out, s.tokenKey());
            out.writeInt(s.users().size());
            for (User u : s.users().values()) {
                writeString(out, u.name());
                writeString(out, u.passwordHash());
                out.writeLong(u.since());
                out.writeInt(u.roles().size());
                for (String r : u.roles()) {
                    writeString(out, r);
                }
            }
            out.writeInt(s.roles().size());
            for (Role r : s.roles().values()) {
                writeString(out, r.name());
                out.writeInt(r.permissions().size());
                for (Permission p : r.permissions()) {
                    out.writeByte(p.type().ordinal());
                    writeBytes(out, p.range().key());
                    if (p.range().end() == null) {
                        out.writeInt(-1);
                    } else {
                        writeBytes(out, p.range().end());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes what {@link #encode} wrote; an empty array is the initial state (a store from before auth existed).
     *
     * @throws IllegalStateException for bytes that do not decode
     */
    public static AuthState decode(byte[] b) {
        if (b == null || b.length == 0) {
            return AuthState.INITIAL;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (in.readByte() != FORMAT) {
                throw new IllegalStateException("unknown auth state format " + b[0]);
            }
            boolean enabled = in.readBoolean();
            long revision = in.readLong();
            byte[] tokenKey = readBytes(in);
            TreeMap<String, User> users = new TreeMap<>();
            for (int i = count(in); i > 0; i--) {
                String name = readString(in);
                String hash = readString(in);
                long since = in.readLong();
                List<String> roles = new ArrayList<>();
                for (int j = count(in); j > 0; j--) {
                    roles.add(readString(in));
                }
                users.put(name, new User(name, hash, roles, since));
            }
            TreeMap<String, Role> roles = new TreeMap<>();
            Permission.Type[] types = Permission.Type.values();
            for (int i = count(in); i > 0; i--) {
                String name = readString(in);
                List<Permission> perms = new ArrayList<>();
                for (int j = count(in); j > 0; j--) {
                    int type = in.readByte();
                    if (type < 0 || type >= types.length) {
                        throw new IllegalStateException("unknown permission type " + type);
                    }
                    byte[] key = readBytes(in);
                    int endLength = in.readInt();
                    byte[] end = endLength == -1 ? null : readBytes(in, endLength);
                    perms.add(new Permission(types[type], new KeyRange(key, end)));
                }
                roles.put(name, new Role(name, perms));
            }
            if (in.available() != 0) {
                throw new IllegalStateException("trailing bytes after the auth state");
            }
            return new AuthState(enabled, revision, tokenKey, users, roles);
        } catch (IOException e) {
            throw new IllegalStateException("truncated auth state", e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        return readBytes(in, in.readInt());
    }

    private static byte[] readBytes(DataInputStream in, int length) throws IOException {
        if (length < 0 || length > MAX || length > in.available()) {
            throw new IllegalStateException("bad length " + length + " in the auth state");
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX) {
            throw new IllegalStateException("bad count " + n + " in the auth state");
        }
        return n;
    }
}
