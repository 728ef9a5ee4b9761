package raftkv.storage;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;

/**
 * The storage engine's in-process benchmark: put rate with group commit, single-key get rate, the time to reopen
 * (rebuild the index of) a large store, and heap per key. Run it with {@code scripts/bench-storage}; options are
 * {@code key=value} arguments: keys (1000000), puts (300000), gets (1000000), value (256), readers (1), dir.
 */
public final class StoreBenchmark {

    private StoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int keys = intArg(args, "keys", 1_000_000);
        int puts = intArg(args, "puts", 300_000);
        int gets = intArg(args, "gets", 1_000_000);
        int valueSize = intArg(args, "value", 256);
        int readers = intArg(args, "readers", 1);
        Path dir = Path.of(stringArg(args, "dir", Files.createTempDirectory("raftkv-bench").toString()));
        System.out.printf("raftkv storage benchmark: %d keys of 16 B, %d B values, %d cores, java %s%n", keys,
                valueSize, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        byte[] value = new byte[valueSize];
        new Random(1).nextBytes(value);
        try {
            // 1. put rate on a fresh store, default group commit (10,000 ops / 100 ms)
            try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir.resolve("puts")))) {
                long t0 = System.nanoTime();
                for (int i = 0; i < puts; i++) {
                    store.put(PutRequest.of(key(i), value));
                }
                store.commit();
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("put      %,10d puts in %6.2f s  = %,9.0f puts/s (committed, group commit)%n", puts,
                        secs, puts / secs);
            }

            // 2. a store of `keys` keys: loading, gets, reopen and heap per key
            Path big = dir.resolve("big");
            try (MvccStore store = MvccStore.open(StoreConfig.defaults(big))) {
                long t0 = System.nanoTime();
                for (int i = 0; i < keys; i++) {
                    store.put(PutRequest.of(key(i), value));
                }
                store.commit();
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("load     %,10d puts in %6.2f s  = %,9.0f puts/s%n", keys, secs, keys / secs);
                getRate(store, keys, gets, 1);
                if (readers > 1) {
                    getRate(store, keys, gets, readers);
                }
            }
            long t0 = System.nanoTime();
            MvccStore reopened = MvccStore.open(StoreConfig.defaults(big));
            double reopenSecs = (System.nanoTime() - t0) / 1e9;
            long heapOpen = usedHeapAfterGc();
            System.out.printf("reopen   %,10d keys in %6.2f s (index rebuilt from the backend)%n",
                    reopened.stats().keys(), reopenSecs);
            System.out.printf("disk     %,10d B = %.0f B per key%n", reopened.dbSize(),
                    reopened.dbSize() / (double) keys);
            reopened.close();
            reopened = null;
            long heapClosed = usedHeapAfterGc();
            System.out.printf("heap     %,10d B for %,d keys = %.0f B per key (the index; values stay on disk)%n",
                    heapOpen - heapClosed, keys, (heapOpen - heapClosed) / (double) keys);
        } finally {
            if (!hasArg(args, "dir")) {
                deleteTree(dir);
            }
        }
    }

    private static void getRate(MvccStore store, int keys, int gets, int threads) throws InterruptedException {
        AtomicLong found = new AtomicLong();
        Thread[] workers = new Thread[threads];
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers[t] = new Thread(() -> {
                Random rnd = new Random(seed);
                long n = 0;
                for (int i = 0; i < gets / threads; i++) {
                    n += store.range(RangeRequest.of(key(rnd.nextInt(keys))).build()).count();
                }
                found.addAndGet(n);
            });
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (found.get() != (long) (gets / threads) * threads) {
            throw new IllegalStateException("gets missed keys: " + found.get());
        }
        System.out.printf("get      %,10d gets in %6.2f s  = %,9.0f gets/s (%d thread%s)%n", found.get(), secs,
                found.get() / secs, threads, threads == 1 ? "" : "s");
    }

    /** 16-byte keys: "key" and 13 digits. */
    static byte[] key(int i) {
        return String.format("key%013d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static boolean hasArg(String[] args, String name) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return true;
            }
        }
        return false;
    }

    private static String stringArg(String[] args, String name, String dflt) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return dflt;
    }

    private static int intArg(String[] args, String name, int dflt) {
        return Integer.parseInt(stringArg(args, name, Integer.toString(dflt)));
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        }
    }
}
