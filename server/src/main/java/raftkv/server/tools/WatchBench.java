package raftkv.server.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;

/**
 * Watch fan-out: {@code watchers} watchers (one key each, spread over {@code streams} watch streams) on one node,
 * puts at {@code rate} per second to those keys through another node, and the latency from sending a put to
 * receiving its event, from HdrHistogram. The put carries its send time; bench and cluster share the machine.
 */
@CommandLine.Command(name = "watch-bench", mixinStandardHelpOptions = true)
public final class WatchBench implements Callable<Integer> {

    @CommandLine.Option(names = "--watch-endpoint", defaultValue = "http://127.0.0.1:22379") String watchEndpoint;
    @CommandLine.Option(names = "--put-endpoint", defaultValue = "http://127.0.0.1:2379") String putEndpoint;
    @CommandLine.Option(names = "--watchers", defaultValue = "10000") int watchers;
    @CommandLine.Option(names = "--streams", defaultValue = "100") int streams;
    @CommandLine.Option(names = "--rate", defaultValue = "1000") int rate;
    @CommandLine.Option(names = "--seconds", defaultValue = "30") int seconds;

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) {
        System.exit(new CommandLine(new WatchBench()).execute(args));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Integer call() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        Recorder latency = new Recorder(3);
        AtomicLong created = new AtomicLong();
        AtomicLong events = new AtomicLong();
        long t0 = System.nanoTime();
        List<CompletableFuture<?>> open = new ArrayList<>();
        int perStream = (watchers + streams - 1) / streams;
        for (int s = 0; s < streams; s++) {
            StringBuilder body = new StringBuilder();
            for (int i = s * perStream; i < Math.min(watchers, (s + 1) * perStream); i++) {
                body.append("{\"create_request\":{\"key\":\"").append(b64("watch/" + i)).append("\"}}\n");
            }
            open.add(http.sendAsync(HttpRequest.newBuilder(URI.create(watchEndpoint + "/v3/watch"))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body().forEach(line -> {
                        long now = System.nanoTime();
                        if (line.isBlank()) {
                            return;
                        }
                        try {
                            JsonNode result = JSON.readTree(line).path("result");
                            if (result.path("created").asBoolean()) {
                                created.incrementAndGet();
                            }
                            for (JsonNode e : result.path("events")) {
                                long sent = Long.parseLong(new String(Base64.getDecoder().decode(
                                        e.path("kv").path("value").asText()), StandardCharsets.UTF_8));
                                latency.recordValue(Math.max(0, now - sent) / 1000); // microseconds
                                events.incrementAndGet();
                            }
                        } catch (Exception ex) {
                            System.err.println("bad line: " + line);
                        }
                    })));
        }
        while (created.get() < watchers) {
            if (System.nanoTime() - t0 > 120_000_000_000L) {
                System.err.printf("only %d of %d watchers were created%n", created.get(), watchers);
                return 1;
            }
            Thread.sleep(100);
        }
        System.out.printf("%d watchers on %d streams created in %.1f s%n", watchers, streams,
                (System.nanoTime() - t0) / 1e9);

        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        Random rnd = new Random(1);
        AtomicLong puts = new AtomicLong();
        AtomicLong putErrors = new AtomicLong();
        long periodMicros = 1_000_000L / rate;
        latency.getIntervalHistogram(); // start clean
        pacer.scheduleAtFixedRate(() -> {
            String key = b64("watch/" + rnd.nextInt(watchers));
            String value = b64(Long.toString(System.nanoTime()));
            http.sendAsync(HttpRequest.newBuilder(URI.create(putEndpoint + "/v3/kv/put"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\",\"value\":\"" + value
                            + "\"}")).build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        if (e != null || r.statusCode() != 200) {
                            putErrors.incrementAndGet();
                        }
                    });
            puts.incrementAndGet();
        }, 0, periodMicros, TimeUnit.MICROSECONDS);
        Thread.sleep(seconds * 1000L);
        pacer.shutdownNow();
        Thread.sleep(2_000); // let the last events arrive
        var h = latency.getIntervalHistogram();
        System.out.printf("puts sent %d (%.0f/s), put errors %d, events received %d%n", puts.get(),
                puts.get() / (double) seconds, putErrors.get(), events.get());
        System.out.printf("event delivery latency ms: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0);
        open.forEach(f -> f.cancel(true));
        return 0;
    }
}
