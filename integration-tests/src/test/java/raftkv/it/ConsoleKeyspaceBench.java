package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.it.ApiClient.b64;
import static raftkv.it.ApiClient.obj;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, not a timed test (its name keeps it out of {@code mvn verify}): the console's key browser over
 * 1,000,000 keys. Loads them into a 3-node cluster, then opens the key list in headless Chromium several times and
 * reports how long the first page took to show, from the start of the page load, and what the page asked the
 * cluster for (every range it sent must be limited to one page). Run it alone:
 * {@code mvn -B verify -pl integration-tests -am -Dit.test=ConsoleKeyspaceBench -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Draftkv.console.keys=N} changes the keyspace.
 */
class ConsoleKeyspaceBench {

    private static final int KEYS = Integer.getInteger("raftkv.console.keys", 1_000_000);
    private static final int PER_TXN = 125;
    private static final int LOADS = 7;

    @TempDir
    Path dir;

    @Test
    void theFirstPageOfAMillionKeys() throws Exception {
        TestCluster.Settings settings = new TestCluster.Settings(1000, 200_000, 64L << 20, 8L << 30);
        TestCluster cluster = TestCluster.create(3, dir.resolve("ConsoleKeyspaceBench"), settings);
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            n.jvmArgs("-Xmx2g"); // a million keys' index does not fit the tests' usual 384 MiB
        }
        try (cluster; ConsoleBrowser browser = ConsoleBrowser.start(Path.of("target", "console-bench"),
                dir.resolve("downloads"))) {
            cluster.startAll();
            String endpoint = cluster.node(1).endpoint();
            long loadStart = System.nanoTime();
            load(cluster.api, cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint).toList());
            System.out.printf("loaded %,d keys in %.1f s%n", KEYS, (System.nanoTime() - loadStart) / 1e9);
            assertEquals(KEYS, cluster.api.post(endpoint, "/v3/kv/range", obj().put("key", "AA==")
                    .put("range_end", "AA==").put("count_only", true)).body().path("count").asLong());

            List<Long> shown = new ArrayList<>();
            List<Long> rangeMs = new ArrayList<>();
            for (int i = 0; i < LOADS; i++) {
                // A new URL each time: a whole page load, modules and all, not a change of fragment.
                browser.open(endpoint + "/ui/?load=" + i + "#/keys?view=flat&limit=50");
                String at = browser.await(Duration.ofSeconds(60), "the first page", d -> {
                    var list = browser.find("[data-test=key-list]");
                    return browser.findAll("[data-test=key-list] [data-test=key-link]").size() == 50
                            ? list.getAttribute("data-shown-at") : null;
                });
                shown.add(Long.parseLong(at));
                rangeMs.add(Long.parseLong(browser.find("[data-test=key-list]").getAttribute("data-loaded-ms")));
                assertOnlyPagesRequested(browser, 50);
            }
            browser.screenshot("million-keys");
            // The next pages, by the continuation key.
            List<Long> next = new ArrayList<>();
            for (int p = 2; p <= 6; p++) {
                long t0 = System.nanoTime();
                browser.click("[data-test=next-page]");
                int page = p;
                browser.await(Duration.ofSeconds(30), "page " + p, d ->
                        browser.find("[data-test=page-info]").getText().startsWith("page " + page + " "));
                next.add((System.nanoTime() - t0) / 1_000_000);
            }
            assertOnlyPagesRequested(browser, 50);
            System.out.println("first page shown, ms after the start of the page load: " + shown
                    + " (median " + median(shown) + ", max " + Collections.max(shown) + ")");
            System.out.println("of which the range and drawing, ms: " + rangeMs + " (median " + median(rangeMs) + ")");
            System.out.println("next page, ms from the click (WebDriver round trips included): " + next
                    + " (median " + median(next) + ")");
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** Every range in the page's request log asked for one page of keys at most. */
    @SuppressWarnings("unchecked")
    private static void assertOnlyPagesRequested(ConsoleBrowser browser, int page) {
        List<List<String>> rows = (List<List<String>>) browser.driver.executeScript("return Array.from("
                + "document.querySelectorAll('[data-test=request-log] tbody tr'), r => Array.from(r.cells, c => "
                + "c.textContent))");
        for (List<String> row : rows) {
            if (row.get(1).equals("/v3/kv/range")) {
                assertTrue(row.get(2).matches("limit \\d+") && Integer.parseInt(row.get(2).substring(6)) <= page,
                        "a range of one page at most: " + row);
            }
        }
    }

    /** KEYS keys (bench/0000000 ...), PER_TXN puts a txn, from 8 threads spread over the members. */
    private static void load(ApiClient api, List<String> endpoints) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            String endpoint = endpoints.get(w % endpoints.size());
            workers.add(pool.submit(() -> {
                int from;
                while ((from = next.getAndAdd(PER_TXN)) < KEYS) {
                    ArrayNode puts = obj().arrayNode();
                    for (int i = from; i < Math.min(KEYS, from + PER_TXN); i++) {
                        puts.add(obj().set("request_put", obj().put("key", b64(String.format("bench/%07d", i)))
                                .put("value", b64("value-" + i))));
                    }
                    ObjectNode txn = obj();
                    txn.set("success", puts);
                    var r = api.post(endpoint, "/v3/kv/txn", txn, Duration.ofSeconds(60));
                    if (!r.ok()) {
                        throw new IllegalStateException("load failed: " + r);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get();
        }
        pool.shutdown();
    }
}
