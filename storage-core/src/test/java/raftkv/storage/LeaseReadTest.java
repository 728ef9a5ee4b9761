package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.storage.TestKeys.b;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.lease.Lease;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;

/**
 * A lease read from the store ({@code TimeToLive} with its keys) while the apply thread attaches and detaches keys:
 * the reader gets one consistent key list, never an exception or a torn list.
 */
class LeaseReadTest {

    @TempDir
    Path dir;

    @Test
    void leaseKeysReadWhileKeysAreAttachedAndDetachedAreAConsistentList() throws Exception {
        try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir))) {
            store.grant(7, 60);
            // Keys k000..k199 stay attached; the writer attaches and detaches k200..k399 over and over.
            for (int i = 0; i < 200; i++) {
                store.put(new PutRequest(b(String.format("k%03d", i)), b("v"), 7, false, false, false));
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                for (int round = 0; writing.get(); round++) {
                    int i = 200 + round % 200;
                    byte[] key = b(String.format("k%03d", i));
                    if (round / 200 % 2 == 0) {
                        store.put(new PutRequest(key, b("v"), 7, false, false, false));
                    } else {
                        store.deleteRange(DeleteRangeRequest.of(key));
                    }
                }
            });
            AtomicReference<Throwable> failure = new AtomicReference<>();
            writer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
            writer.start();
            try {
                for (int read = 0; read < 20_000; read++) {
                    Lease l = store.lease(7);
                    List<byte[]> keys = l.keys();
                    assertTrue(keys.size() >= 200 && keys.size() <= 400, "read " + read + ": " + keys.size()
                            + " keys");
                    for (int i = 1; i < keys.size(); i++) {
                        assertTrue(Bytes.ORDER.compare(keys.get(i - 1), keys.get(i)) < 0, "read " + read
                                + ": keys out of order or repeated at " + i);
                    }
                    assertEquals(keys.size(), l.keyCount(), "read " + read + ": the count and the list agree");
                }
            } finally {
                writing.set(false);
                writer.join();
            }
            assertEquals(null, failure.get());
        }
    }
}
