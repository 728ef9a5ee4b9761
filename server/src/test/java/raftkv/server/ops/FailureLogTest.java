package raftkv.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureLogTest {

    @Test
    void oneLinePerIntervalCountingTheFailuresBetween() {
        AtomicLong clock = new AtomicLong(5_000_000_000L);
        List<String> lines = new ArrayList<>();
        FailureLog failures = new FailureLog(10_000, clock::get, (user, unlogged) -> lines.add(user + "+" + unlogged));
        failures.record("eve");
        for (int i = 0; i < 1_000; i++) {
            clock.addAndGet(1_000_000); // 1 ms apart: 1 s in all
            failures.record("eve" + i);
        }
        assertEquals(List.of("eve+0"), lines, "one line for a burst within the interval");
        clock.addAndGet(9_000_000_000L); // 10 s after the first line
        failures.record("mallory");
        assertEquals(List.of("eve+0", "mallory+1000"), lines);
        clock.addAndGet(60_000_000_000L);
        failures.record("alice");
        assertEquals(List.of("eve+0", "mallory+1000", "alice+0"), lines);
    }
}
