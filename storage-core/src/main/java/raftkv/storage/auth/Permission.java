package raftkv.storage.auth;

import raftkv.storage.KeyRange;

/**
 * A role's right over some keys, as etcd's {@code authpb.Permission}: to read, to write, or both, over one key, a
 * prefix or a range ({@link KeyRange}'s conventions, so {@code \0} as the end means every key from the start on).
 */
public record Permission(Type type, KeyRange range) {

    /** etcd's {@code Permission.Type}, in its wire order (READ = 0). */
    public enum Type {
        READ, WRITE, READWRITE;

        /** Whether a permission of this type lets a request that needs {@code need} through. */
        public boolean allows(Type need) {
            return this == READWRITE || this == need;
        }
    }

    public Permission {
        if (type == null || range == null) {
            throw new IllegalArgumentException("a permission needs a type and a key range");
        }
    }
}
