package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.storage.TestKeys.b;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeResponse;

class DefragmentTest {

    @TempDir
    Path dir;

    private static final RangeRequest ALL = RangeRequest.of(new byte[] {0}).rangeEnd(new byte[] {0}).build();

    private MvccStore open(String name) {
        return MvccStore.open(StoreConfig.defaults(dir.resolve(name)));
    }

    @Test
    void defragmentShrinksTheFileAndKeepsTheState() {
        try (MvccStore store = open("store")) {
            byte[] big = new byte[2000];
            for (int i = 0; i < 3000; i++) {
                store.put(PutRequest.of(b("k" + (i % 10)), big));
            }
            store.compact(store.revision()).join();
            store.commit();
            KvHash hash = store.hash(0);
            RangeResponse contents = store.range(ALL);
            long before = store.dbSize();
            store.defragment();
            long after = store.dbSize();
            assertTrue(after < before / 2, "defragment should shrink " + before + " bytes, got " + after);
            assertEquals(hash, store.hash(0));
            assertEquals(contents, store.range(ALL));
            store.put(PutRequest.of(b("after"), b("defrag")));
        }
        try (MvccStore reopened = open("store")) {
            assertEquals(1, reopened.range(RangeRequest.of(b("after")).build()).count());
        }
    }
}
