package raftkv.storage;

import java.util.Comparator;

/**
 * An alarm raised in the cluster against one member, as etcd's: {@link Type#NOSPACE} when a member's store outgrew
 * its quota. Alarms are replicated state: raised and cleared through the log, kept in the store with the applied
 * index and in its snapshots, so every member, a restarted or a new one included, refuses the same entries.
 */
public record Alarm(long memberId, Type type) {

    /** The alarm kinds, with etcd's names. */
    public enum Type { NOSPACE, CORRUPT }

    /** The order alarms are kept and listed in: by member, then kind. */
    public static final Comparator<Alarm> ORDER = Comparator.comparingLong(Alarm::memberId)
            .thenComparing(Alarm::type);

    @Override
    public String toString() {
        return "memberID:" + memberId + " alarm:" + type;
    }
}
