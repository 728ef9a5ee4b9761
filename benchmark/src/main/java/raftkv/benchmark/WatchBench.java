package raftkv.benchmark;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import raftkv.client.RaftKv;
import raftkv.common.Threads;

/**
 * Watch fan-out: {@code watchers} watchers (one key each, spread over {@code streams} watch streams) on one node,
 * puts at {@code rate} per second to those keys through another node, and the latency from sending a put to
 * receiving its event, from HdrHistogram. The put carries its scheduled send time; bench and cluster share the
 * machine.
 */
@CommandLine.Command(name = "watch-bench", mixinStandardHelpOptions = true)
public final class WatchBench implements Callable<Integer> {

    @CommandLine.Option(names = "--watch-endpoint", defaultValue = "http://127.0.0.1:22379") String watchEndpoint;
    @CommandLine.Option(names = "--put-endpoint", defaultValue = "http://127.0.0.1:2379") String putEndpoint;
    @CommandLine.Option(names = "--watchers", defaultValue = "10000") int watchers;
    @CommandLine.Option(names = "--streams", defaultValue = "100") int streams;
    @CommandLine.Option(names = "--rate", defaultValue = "1000") int rate;
    @CommandLine.Option(names = "--seconds", defaultValue = "30") int seconds;
    @CommandLine.Option(names = "--warmup", defaultValue = "10",
            description = "seconds of puts at the same rate before measuring, so that the JIT has compiled the paths")
    int warmup;
    @CommandLine.Option(names = "--connections", defaultValue = "32",
            description = "sender threads (each with at most one put in flight)") int connections;

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
        AtomicLong measuredFrom = new AtomicLong(Long.MAX_VALUE);
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
                                if (sent >= measuredFrom.get()) {
                                    latency.recordValue(Math.max(0, now - sent) / 1000); // microseconds
                                }
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

        // Puts go out through the client library from a fixed set of sender threads, each on its own share of a
        // fixed schedule; latency counts from the scheduled time, so a sender that falls behind shows as latency
        // rather than as a lower rate (no coordinated omission). The watch streams stay on the JDK's HttpClient:
        // the client library opens one stream per watch, and this bench puts 100 watchers on each stream.
        AtomicLong puts = new AtomicLong();
        AtomicLong putErrors = new AtomicLong();
        AtomicLong worstThisSecond = new AtomicLong();
        Recorder putLatency = new Recorder(3);
        latency.getIntervalHistogram(); // start clean
        long periodNanos = 1_000_000_000L / rate;
        long begin = System.nanoTime() + 50_000_000L;
        long measureFrom = begin + warmup * 1_000_000_000L;
        measuredFrom.set(measureFrom);
        long total = (long) rate * (warmup + seconds);
        RaftKv client = RaftKv.builder().endpoints(putEndpoint).build();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < connections; t++) {
            int first = t;
            Thread sender = new Thread(() -> {
                Random rnd = new Random(first);
                for (long i = first; i < total; i += connections) {
                    long due = begin + i * periodNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    try {
                        client.kv().put("watch/" + rnd.nextInt(watchers), Long.toString(due)).join();
                        long micros = (System.nanoTime() - due) / 1000;
                        if (due >= measureFrom) {
                            putLatency.recordValue(micros);
                        }
                        worstThisSecond.accumulateAndGet(micros, Math::max);
                    } catch (RuntimeException e) {
                        putErrors.incrementAndGet();
                    }
                    puts.incrementAndGet();
                }
            }, "put-sender-" + t);
            sender.start();
            senders.add(sender);
        }
        // A progress line a second: the worst put of that second shows when a tail happened (a snapshot, a GC).
        Thread progress = Threads.daemon("progress").newThread(() -> {
            long last = 0;
            try {
                for (int sec = 1; ; sec++) {
                    Thread.sleep(1000);
                    long n = puts.get();
                    System.out.printf("%3d s  %5d puts/s  worst put %6.1f ms  events %d%n", sec, n - last,
                            worstThisSecond.getAndSet(0) / 1000.0, events.get());
                    last = n;
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        progress.start();
        for (Thread sender : senders) {
            sender.join();
        }
        progress.interrupt();
        client.close();
        Thread.sleep(2_000); // let the last events arrive
        System.out.printf("puts sent %d (%.0f/s, the first %d s not measured), put errors %d, events received %d%n",
                puts.get(), puts.get() / (double) (warmup + seconds), warmup, putErrors.get(), events.get());
        print("put latency ms (send to response)", putLatency.getIntervalHistogram());
        print("event delivery latency ms (send to event)", latency.getIntervalHistogram());
        open.forEach(f -> f.cancel(true));
        return 0;
    }

    private static void print(String what, org.HdrHistogram.Histogram h) {
        System.out.printf("%s: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n", what,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0);
    }
}
