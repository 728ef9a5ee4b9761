package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactorTest {

    private long now;
    private long rev;
    private final List<Long> compactions = new ArrayList<>();

    @Test
    void keepsTheLastNRevisions() {
        Compactor c = new Compactor(new Compactor.KeepRevisions(100, Duration.ofMinutes(5)), () -> rev, () -> now,
                compactions::add);
        rev = 50;
        assertEquals(0, c.tick());
        rev = 1000;
        assertEquals(900, c.tick());
        assertEquals(0, c.tick(), "nothing new to compact");
        rev = 1500;
        assertEquals(1400, c.tick());
        assertEquals(List.of(900L, 1400L), compactions);
    }

    @Test
    void keepsATimeWindowOfHistory() {
        Compactor c = new Compactor(new Compactor.KeepWindow(Duration.ofMinutes(10)), () -> rev, () -> now,
                compactions::add);
        for (int minute = 0; minute <= 30; minute++) {
            now = minute * 60_000L;
            rev = 1 + minute * 100L; // 100 revisions a minute
            c.tick();
        }
        // At minute 30 the history kept starts at the revision current at minute 20.
        assertEquals(2001L, compactions.get(compactions.size() - 1));
        assertEquals(1L, compactions.get(0), "the first compaction came one window after the start");
    }

    @Test
    void aCompactionSomeoneElseAlreadyMadeIsNotAnError() {
        Compactor c = new Compactor(new Compactor.KeepRevisions(10, Duration.ofMinutes(5)), () -> rev, () -> now,
                r -> {
                    throw new StorageException(ErrorCode.COMPACTED);
                });
        rev = 100;
        assertEquals(0, c.tick());
    }
}
