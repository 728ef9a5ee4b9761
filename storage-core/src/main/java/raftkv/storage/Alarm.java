package raftkv.storage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import raftkv.storage.backend.Meta;

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

    /**
     * {@code alarms} (kept in {@link #ORDER}) with {@code alarm} raised or cleared, still in that order; null if that
     * changes nothing.
     *
     * @throws StorageException {@link ErrorCode#INVALID_ARGUMENT} when raising one more would exceed
     *                          {@link Meta#MAX_ALARMS}
     */
    static List<Alarm> toggled(List<Alarm> alarms, Alarm alarm, boolean raise) {
        List<Alarm> next = new ArrayList<>(alarms);
        boolean changed = raise ? !next.contains(alarm) && next.add(alarm) : next.remove(alarm);
        if (!changed) {
            return null;
        }
        if (next.size() > Meta.MAX_ALARMS) {
            throw new StorageException(ErrorCode.INVALID_ARGUMENT, "at most " + Meta.MAX_ALARMS + " alarms");
        }
        next.sort(ORDER);
        return List.copyOf(next);
    }

    @Override
    public String toString() {
        return "memberID:" + memberId + " alarm:" + type;
    }
}
