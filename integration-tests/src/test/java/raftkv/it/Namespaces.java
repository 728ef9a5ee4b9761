package raftkv.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One network namespace per node, on two bridges: a peer network (Raft traffic) and a client network (the test's
 * clients, from the root namespace). Cutting a node's peer link partitions it from the other members while its
 * clients can still reach it, which is the partition that tempts a store into stale reads.
 *
 * <p>Needs root and iproute2; {@link #create} says why it cannot when it cannot.
 */
final class Namespaces implements AutoCloseable {

    private final String tag;
    private final int subnet;
    private final int n;
    private final List<String> created = new ArrayList<>();

    private Namespaces(String tag, int subnet, int n) {
        this.tag = tag;
        this.subnet = subnet;
        this.n = n;
    }

    /** The namespaces, or an exception whose message says what this machine refused. */
    static Namespaces create(int n) throws IOException, InterruptedException {
        String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Namespaces ns = new Namespaces(tag, ThreadLocalRandom.current().nextInt(1, 250), n);
        try {
            ns.build();
        } catch (IOException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private void build() throws IOException, InterruptedException {
        ip("link", "add", bridge("p"), "type", "bridge");
        created.add("link:" + bridge("p"));
        ip("link", "add", bridge("c"), "type", "bridge");
        created.add("link:" + bridge("c"));
        ip("addr", "add", "10.202." + subnet + ".254/24", "dev", bridge("c"));
        ip("link", "set", bridge("p"), "up");
        ip("link", "set", bridge("c"), "up");
        for (int i = 1; i <= n; i++) {
            String ns = name(i);
            ip("netns", "add", ns);
            created.add("netns:" + ns);
            ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
            for (String net : List.of("p", "c")) {
                String host = hostSide(net, i);
                ip("link", "add", host, "type", "veth", "peer", "name", "in" + net + tag + i);
                ip("link", "set", "in" + net + tag + i, "netns", ns);
                ip("link", "set", host, "master", bridge(net));
                ip("link", "set", host, "up");
                String addr = (net.equals("p") ? "10.201." : "10.202.") + subnet + "." + i + "/24";
                ip("netns", "exec", ns, "ip", "addr", "add", addr, "dev", "in" + net + tag + i);
                ip("netns", "exec", ns, "ip", "link", "set", "in" + net + tag + i, "up");
            }
        }
    }

    List<String> raftHosts() {
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            hosts.add("10.201." + subnet + "." + i);
        }
        return hosts;
    }

    List<String> clientHosts() {
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            hosts.add("10.202." + subnet + "." + i);
        }
        return hosts;
    }

    List<List<String>> launchers() {
        List<List<String>> l = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            l.add(List.of("ip", "netns", "exec", name(i)));
        }
        return l;
    }

    /** Cuts node {@code i} off the peer network; its clients still reach it. */
    void isolate(int i) throws IOException, InterruptedException {
        ip("link", "set", hostSide("p", i), "down");
    }

    void heal(int i) throws IOException, InterruptedException {
        ip("link", "set", hostSide("p", i), "up");
    }

    private String name(int i) {
        return "rkv" + tag + "-" + i;
    }

    private String bridge(String net) {
        return "rkb" + net + tag;
    }

    private String hostSide(String net, int i) {
        return "rk" + net + tag + i;
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        String refused = DiskFullIT.sh(cmd.toArray(String[]::new));
        if (refused != null) {
            throw new IOException(String.join(" ", cmd) + ": " + refused);
        }
    }

    /** Deletes the namespaces (their veth ends go with them) and the bridges. */
    @Override
    public void close() {
        for (int k = created.size() - 1; k >= 0; k--) {
            String[] what = created.get(k).split(":", 2);
            try {
                if (what[0].equals("netns")) {
                    DiskFullIT.sh("ip", "netns", "del", what[1]);
                } else {
                    DiskFullIT.sh("ip", "link", "del", what[1]);
                }
            } catch (Exception e) {
                System.err.println("could not remove " + created.get(k) + ": " + e);
            }
        }
    }
}
