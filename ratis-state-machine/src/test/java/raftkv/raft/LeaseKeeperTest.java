package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.MvccStore;
import raftkv.storage.StoreConfig;

/** The lease clocks as the leader runs them, on a clock the test moves by hand. */
class LeaseKeeperTest {

    @TempDir
    Path dir;

    private long now = 1_000_000;
    private long term = 3;
    private final List<String> proposed = new ArrayList<>();

    private LeaseKeeper keeper(MvccStore store) {
        return new LeaseKeeper(() -> store, () -> term, () -> now, (id, t) -> {
            proposed.add(id + "@" + t);
            return new CompletableFuture<>(); // still on its way
        });
    }

    @Test
    void aLeaseExpiresOnlyOnceItsTtlHasPassedOnTheLeadersClockAndCarriesTheTerm() {
        try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir))) {
            store.grant(7, 10);
            LeaseKeeper keeper = keeper(store);
            keeper.tick(); // leader of term 3: the clock starts, full TTL
            now += 9_999;
            keeper.tick();
            assertEquals(List.of(), proposed, "not expired a millisecond before its TTL");
            now += 1;
            keeper.tick();
            keeper.tick();
            assertEquals(List.of("7@3"), proposed, "expired once, with the term it was decided in");
        }
    }

    /**
     * A new term, even one this member leads again, gives every lease its full TTL: another leader may have renewed
     * them in between, on a clock this member never saw.
     */
    @Test
    void aNewTermGivesEveryLeaseItsFullTtlAgain() {
        try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir))) {
            store.grant(7, 10);
            LeaseKeeper keeper = keeper(store);
            keeper.tick();
            now += 9_000;
            term = 0; // deposed
            keeper.tick();
            now += 5_000;
            term = 5; // leads again, in a later term
            keeper.tick();
            now += 9_999;
            keeper.tick();
            assertEquals(List.of(), proposed, "the TTL counts from the start of term 5");
            now += 1;
            keeper.tick();
            assertEquals(List.of("7@5"), proposed);
        }
    }

    @Test
    void aFollowerExpiresNothing() {
        try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir))) {
            store.grant(7, 1);
            term = 0;
            LeaseKeeper keeper = keeper(store);
            keeper.tick();
            now += 60_000;
            keeper.tick();
            assertEquals(List.of(), proposed);
        }
    }
}
