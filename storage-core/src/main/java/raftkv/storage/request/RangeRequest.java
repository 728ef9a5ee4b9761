package raftkv.storage.request;

import java.util.Arrays;
import raftkv.storage.KeyRange;

/**
 * A read of a key or a key range, with etcd's options. {@code limit <= 0} means no limit; {@code revision <= 0}
 * means the current revision; min/max filters of 0 are off. {@code serializable} is for the replicated layer
 * (read locally instead of through ReadIndex); the store ignores it.
 */
public record RangeRequest(byte[] key, byte[] rangeEnd, long limit, long revision, SortOrder sortOrder,
                           SortTarget sortTarget, boolean serializable, boolean keysOnly, boolean countOnly,
                           long minModRevision, long maxModRevision, long minCreateRevision,
                           long maxCreateRevision) implements RequestOp {

    public enum SortOrder { NONE, ASCEND, DESCEND }

    public enum SortTarget { KEY, VERSION, CREATE, MOD, VALUE }

    public RangeRequest {
        if (sortOrder == null) {
            sortOrder = SortOrder.NONE;
        }
        if (sortTarget == null) {
            sortTarget = SortTarget.KEY;
        }
    }

    public static Builder of(byte[] key) {
        return new Builder(key);
    }

    public KeyRange range() {
        return new KeyRange(key, rangeEnd);
    }

    @Override
    public boolean writes() {
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RangeRequest r && Arrays.equals(key, r.key) && Arrays.equals(rangeEnd, r.rangeEnd)
                && limit == r.limit && revision == r.revision && sortOrder == r.sortOrder
                && sortTarget == r.sortTarget && serializable == r.serializable && keysOnly == r.keysOnly
                && countOnly == r.countOnly && minModRevision == r.minModRevision
                && maxModRevision == r.maxModRevision && minCreateRevision == r.minCreateRevision
                && maxCreateRevision == r.maxCreateRevision;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key) * 31 + Arrays.hashCode(rangeEnd);
    }

    @Override
    public String toString() {
        return "Range{" + range() + (limit > 0 ? " limit=" + limit : "") + (revision > 0 ? " rev=" + revision : "")
                + (sortOrder != SortOrder.NONE ? " sort=" + sortTarget + "/" + sortOrder : "")
                + (keysOnly ? " keysOnly" : "") + (countOnly ? " countOnly" : "")
                + (minModRevision != 0 ? " minMod=" + minModRevision : "")
                + (maxModRevision != 0 ? " maxMod=" + maxModRevision : "")
                + (minCreateRevision != 0 ? " minCreate=" + minCreateRevision : "")
                + (maxCreateRevision != 0 ? " maxCreate=" + maxCreateRevision : "") + "}";
    }

    /** Builds a {@link RangeRequest}; unset options keep etcd's defaults. */
    public static final class Builder {
        private final byte[] key;
        private byte[] rangeEnd;
        private long limit;
        private long revision;
        private SortOrder sortOrder = SortOrder.NONE;
        private SortTarget sortTarget = SortTarget.KEY;
        private boolean serializable;
        private boolean keysOnly;
        private boolean countOnly;
        private long minMod;
        private long maxMod;
        private long minCreate;
        private long maxCreate;

        private Builder(byte[] key) {
            this.key = key;
        }

        public Builder rangeEnd(byte[] end) {
            this.rangeEnd = end;
            return this;
        }

        public Builder prefix() {
            this.rangeEnd = KeyRange.prefixEnd(key);
            return this;
        }

        public Builder limit(long limit) {
            this.limit = limit;
            return this;
        }

        public Builder revision(long revision) {
            this.revision = revision;
            return this;
        }

        public Builder sort(SortTarget target, SortOrder order) {
            this.sortTarget = target;
            this.sortOrder = order;
            return this;
        }

        public Builder serializable(boolean serializable) {
            this.serializable = serializable;
            return this;
        }

        public Builder keysOnly(boolean keysOnly) {
            this.keysOnly = keysOnly;
            return this;
        }

        public Builder countOnly(boolean countOnly) {
            this.countOnly = countOnly;
            return this;
        }

        public Builder modRevisionBetween(long min, long max) {
            this.minMod = min;
            this.maxMod = max;
            return this;
        }

        public Builder createRevisionBetween(long min, long max) {
            this.minCreate = min;
            this.maxCreate = max;
            return this;
        }

        public RangeRequest build() {
            return new RangeRequest(key, rangeEnd, limit, revision, sortOrder, sortTarget, serializable, keysOnly,
                    countOnly, minMod, maxMod, minCreate, maxCreate);
        }
    }

}
