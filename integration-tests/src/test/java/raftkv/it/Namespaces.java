package raftkv.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One network namespace per node, on two bridges: a peer network (Raft traffic, 10.201.s.i) and a client network
 * (10.202.s.i, reached by the test's clients from the root namespace). The peer network can be cut along any shape
 * ({@link #cut}, and the shapes built on it) while every node stays reachable by its clients, which is the
 * partition that tempts a store into stale reads or into acknowledging writes it cannot commit.
 *
 * <p>How a cut works: each namespace has a "void" device, one end of a veth pair whose other end stays down, with
 * ARP off; a packet routed into it is dropped silently. Cutting x from y routes y's peer address into x's void
 * ({@code ip route replace 10.201.s.y/32 dev void}) and x's into y's. A route only governs what its own namespace
 * sends, so both ends get one: then data and ACKs are lost both ways, on new and established connections alike.
 * A silent drop rather than a {@code blackhole}, {@code prohibit} or {@code unreachable} route, because those fail
 * the sender at once (EINVAL, EACCES, EHOSTUNREACH) where a real partition lets connects and sends time out; and
 * rather than a {@code dummy} device, because not every kernel has that module (the one here has not), while veth
 * is needed anyway. Only iproute2 is used: CI has no iptables or nft.
 *
 * <p>Verified by hand (kernel 6.18, iproute2 6.1), with python sockets run by {@code ip netns exec}:
 * <ul>
 *   <li>an established TCP connection between two namespaces, each end sending a numbered line every 200 ms with
 *       TCP_NODELAY: once cut, neither end received another line; once healed, the same connection delivered the
 *       held-back lines in order at TCP's next retransmission (2.8-3 s after a 4 s cut, the retransmission having
 *       backed off) and kept up;</li>
 *   <li>during a cut, connects either way timed out (nothing answered, as in a real partition), while a third
 *       namespace still reached both; a blackhole, prohibit or unreachable route instead failed the connect at
 *       once (EINVAL, EACCES, EHOSTUNREACH);</li>
 *   <li>with the route on one end only, one more line still got through the other way before TCP stalled;</li>
 *   <li>through this class, for {@code isolate(2)} of 3, {@code split({1,2})} and {@code bridge(3,{1,2},{4,5})}
 *       of 5, and 1-2 cut three times (once as 2-1) then 5 isolated on top: a connect between every ordered pair
 *       of peer addresses was blocked exactly for the pairs cut, every client address stayed reachable from the
 *       root namespace, and after {@link #healAll} no route was left in any namespace and every pair connected
 *       again; after {@link #close}, no namespace or link of it was left.</li>
 * </ul>
 *
 * <p>Each instance claims a subnet no other network on this machine uses, so tests can run one after another, or
 * beside another checkout's, without clashes. Needs root and iproute2; {@link #create} says why it cannot when it
 * cannot. Not thread-safe: one test thread builds, cuts, heals and closes.
 */
final class Namespaces implements AutoCloseable {

    private static final String VOID = "void";

    private final int subnet;
    private final int n;
    /** What {@link #close} deletes, in the order it was made. */
    private final List<String> created = new ArrayList<>();
    /** For each member, the members whose peer addresses its namespace now routes into its void. */
    private final Map<Integer, Set<Integer>> cutFrom = new TreeMap<>();

    private Namespaces(int subnet, int n) {
        this.subnet = subnet;
        this.n = n;
    }

    /** The namespaces of {@code n} members, or an exception whose message says what this machine refused. */
    static Namespaces create(int n) throws IOException, InterruptedException {
        Namespaces ns = claim(n);
        boolean built = false;
        try {
            ns.build();
            built = true;
            return ns;
        } finally {
            if (!built) {
                ns.close();
            }
        }
    }

    /**
     * Takes a subnet that nothing on this machine uses ({@link #subnetsInUse}), by creating the client bridge that
     * carries it in its name: link names are unique, so of two runs that picked the same subnet only one gets it.
     */
    private static Namespaces claim(int n) throws IOException, InterruptedException {
        Set<Integer> taken = subnetsInUse();
        int first = ThreadLocalRandom.current().nextInt(1, 250);
        String refused = "no free 10.202.x.0/24 subnet";
        for (int k = 0; k < 249; k++) {
            int subnet = 1 + (first + k) % 249;
            if (taken.contains(subnet)) {
                continue;
            }
            Namespaces ns = new Namespaces(subnet, n);
            refused = run(null, "ip", "link", "add", ns.bridge("c"), "type", "bridge");
            if (refused == null) {
                ns.created.add("link:" + ns.bridge("c"));
                return ns;
            }
            if (!refused.contains("File exists")) {
                break;
            }
        }
        throw new IOException("ip link add ... type bridge: " + refused);
    }

    /**
     * The subnets of the root namespace's addresses, and those whose links are still there: a namespace whose node
     * left TCP connections closing keeps its veth pairs a while after it is deleted.
     */
    private static Set<Integer> subnetsInUse() throws IOException, InterruptedException {
        Set<Integer> used = new HashSet<>();
        Matcher address = Pattern.compile("inet 10\\.20[12]\\.(\\d+)\\.")
                .matcher(output("ip", "-o", "-4", "addr"));
        while (address.find()) {
            used.add(Integer.parseInt(address.group(1)));
        }
        Matcher link = Pattern.compile("\\d+: rk(?:b[pc](\\d+)|[pc](\\d+)-\\d+)[@:]")
                .matcher(output("ip", "-o", "link"));
        while (link.find()) {
            used.add(Integer.parseInt(link.group(1) != null ? link.group(1) : link.group(2)));
        }
        return used;
    }

    private static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private void build() throws IOException, InterruptedException {
        ip("link", "add", bridge("p"), "type", "bridge");
        created.add("link:" + bridge("p"));
        ip("addr", "add", "10.202." + subnet + ".254/24", "dev", bridge("c"));
        ip("link", "set", bridge("p"), "up");
        ip("link", "set", bridge("c"), "up");
        for (int i = 1; i <= n; i++) {
            String ns = name(i);
            ip("netns", "add", ns);
            created.add("netns:" + ns);
            ip("-n", ns, "link", "set", "lo", "up");
            for (String net : List.of("p", "c")) {
                String host = "rk" + net + subnet + "-" + i;
                String inside = "in" + net + subnet + "-" + i;
                ip("link", "add", host, "type", "veth", "peer", "name", inside);
                created.add("link:" + host);
                ip("link", "set", inside, "netns", ns);
                ip("link", "set", host, "master", bridge(net));
                ip("link", "set", host, "up");
                String addr = (net.equals("p") ? peerAddress(i) : clientAddress(i)) + "/24";
                ip("-n", ns, "addr", "add", addr, "dev", inside);
                ip("-n", ns, "link", "set", inside, "up");
            }
            ip("-n", ns, "link", "add", VOID, "type", "veth", "peer", "name", VOID + "-peer");
            ip("-n", ns, "link", "set", "dev", VOID, "arp", "off", "up");
        }
    }

    List<String> raftHosts() {
        return IntStream.rangeClosed(1, n).mapToObj(this::peerAddress).toList();
    }

    List<String> clientHosts() {
        return IntStream.rangeClosed(1, n).mapToObj(this::clientAddress).toList();
    }

    List<List<String>> launchers() {
        return IntStream.rangeClosed(1, n).mapToObj(i -> List.of("ip", "netns", "exec", name(i))).toList();
    }

    /** Every member, 1 to n. */
    Set<Integer> members() {
        return IntStream.rangeClosed(1, n).boxed().collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * No peer traffic between any member of {@code a} and any member of {@code b}, either way; traffic within a
     * side, and every client connection, is untouched. Adds to the cuts in place; a pair already cut stays cut.
     */
    void cut(Set<Integer> a, Set<Integer> b) throws IOException, InterruptedException {
        for (int i : a) {
            if (i < 1 || i > n || b.contains(i)) {
                throw new IllegalArgumentException("cannot cut " + a + " from " + b + " among members 1-" + n);
            }
        }
        for (int i : b) {
            if (i < 1 || i > n) {
                throw new IllegalArgumentException("cannot cut " + a + " from " + b + " among members 1-" + n);
            }
        }
        for (int i : members()) {
            Set<Integer> others = a.contains(i) ? b : b.contains(i) ? a : Set.of();
            Set<Integer> already = cutFrom.computeIfAbsent(i, k -> new TreeSet<>());
            // One ip process per namespace, so that the cut falls on all its routes at nearly the same moment.
            String batch = others.stream().filter(j -> !already.contains(j))
                    .map(j -> "route replace " + peerAddress(j) + "/32 dev " + VOID + "\n")
                    .collect(Collectors.joining());
            if (!batch.isEmpty()) {
                already.addAll(others);
                String refused = run(batch, "ip", "-n", name(i), "-batch", "-");
                if (refused != null) {
                    throw new IOException("cutting " + others + " off node " + i + ": " + refused);
                }
            }
        }
    }

    /** Node {@code i} cut off from every other member; its clients still reach it. */
    void isolate(int i) throws IOException, InterruptedException {
        split(Set.of(i));
    }

    /** {@code minority} cut off from the rest. */
    void split(Set<Integer> minority) throws IOException, InterruptedException {
        Set<Integer> rest = members();
        rest.removeAll(minority);
        cut(minority, rest);
    }

    /**
     * {@code left} and {@code right} cannot reach each other, {@code bridgeNode} reaches both: the shape in which,
     * without pre-vote, each half could depose the leader the other half elected, in turn.
     */
    void bridge(int bridgeNode, Set<Integer> left, Set<Integer> right) throws IOException, InterruptedException {
        if (left.contains(bridgeNode) || right.contains(bridgeNode)) {
            throw new IllegalArgumentException("bridge node " + bridgeNode + " is in " + left + " or " + right);
        }
        cut(left, right);
    }

    /** Undoes every cut: flushes each namespace's routes into its void, whichever were made. */
    void healAll() throws IOException, InterruptedException {
        for (var e : cutFrom.entrySet()) {
            if (!e.getValue().isEmpty()) {
                ip("-n", name(e.getKey()), "route", "flush", "dev", VOID);
                e.getValue().clear();
            }
        }
    }

    private String peerAddress(int i) {
        return "10.201." + subnet + "." + i;
    }

    private String clientAddress(int i) {
        return "10.202." + subnet + "." + i;
    }

    private String name(int i) {
        return "rkv" + subnet + "-" + i;
    }

    private String bridge(String net) {
        return "rkb" + net + subnet;
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        String refused = run(null, cmd.toArray(String[]::new));
        if (refused != null) {
            throw new IOException(String.join(" ", cmd) + ": " + refused);
        }
    }

    /** Runs a command with {@code input} on its stdin; null when it succeeded, else what it printed. */
    private static String run(String input, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (input != null) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.waitFor() == 0 ? null : (out.isEmpty() ? "exit " + p.exitValue() : out);
    }

    /**
     * Deletes the veth pairs, the namespaces (their routes go with them) and the bridges. The pairs go first and by
     * name: a namespace outlives its deletion while TCP connections its node left are still closing, and so would
     * its pairs.
     */
    @Override
    public void close() {
        for (int k = created.size() - 1; k >= 0; k--) {
            String[] what = created.get(k).split(":", 2);
            try {
                String refused = what[0].equals("netns") ? run(null, "ip", "netns", "del", what[1])
                        : run(null, "ip", "link", "del", what[1]);
                if (refused != null) {
                    System.err.println("could not remove " + created.get(k) + ": " + refused);
                }
            } catch (Exception e) {
                System.err.println("could not remove " + created.get(k) + ": " + e);
            }
        }
    }
}
