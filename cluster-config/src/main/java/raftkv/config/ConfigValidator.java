package raftkv.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a node configuration and lists every problem, each naming its field. */
final class ConfigValidator {

    private ConfigValidator() {
    }

    static List<String> validate(NodeConfig c) {
        List<String> problems = new ArrayList<>();
        if (c.cluster() == null) {
            problems.add("field cluster: is required");
        } else {
            if (c.cluster().name() == null || c.cluster().name().isBlank()) {
                problems.add("field cluster.name: is required");
            }
            if (c.cluster().state() != null && !List.of("new", "existing").contains(c.cluster().state())) {
                problems.add("field cluster.state: '" + c.cluster().state() + "' is not new or existing");
            }
            List<Member> members = c.cluster().members();
            if (members == null || members.isEmpty()) {
                problems.add("field cluster.members: at least one member is required");
            } else {
                checkMembers(members, problems);
            }
        }
        if (c.node() == null) {
            problems.add("field node: is required");
        } else {
            if (c.node().id() <= 0) {
                problems.add("field node.id: is required and must be positive");
            } else if (c.cluster() != null && c.cluster().members() != null
                    && c.cluster().members().stream().noneMatch(m -> m.id() == c.node().id())) {
                problems.add("field node.id: " + c.node().id() + " is not the id of any member in cluster.members");
            }
            if (c.node().dataDir() == null) {
                problems.add("field node.dataDir: is required");
            }
        }
        NodeConfig.RaftSettings r = c.raft();
        positive(problems, "raft.electionTimeoutMs", r.electionTimeoutMs(), 50);
        positive(problems, "raft.snapshotThreshold", r.snapshotThreshold(), 1);
        positive(problems, "raft.requestTimeoutMs", r.requestTimeoutMs(), 100);
        positive(problems, "raft.logSegmentBytes", r.logSegmentBytes(), 4096);
        positive(problems, "raft.watchProgressMs", r.watchProgressMs(), 100);
        positive(problems, "raft.maxBatchRequests", r.maxBatchRequests(), 1);
        positive(problems, "raft.maxBatchBytes", r.maxBatchBytes(), 1024);
        positive(problems, "raft.maxEntriesInFlight", r.maxEntriesInFlight(), 1);
        positive(problems, "raft.purgeGap", r.purgeGap(), 1);
        positive(problems, "auth.tokenTtlSeconds", c.auth().tokenTtlSeconds(), 1);
        if (c.auth().bcryptCost() < 4 || c.auth().bcryptCost() > 31) {
            problems.add("field auth.bcryptCost: " + c.auth().bcryptCost() + " is not between 4 and 31");
        }
        NodeConfig.Limits l = c.limits();
        positive(problems, "limits.maxRequestBytes", l.maxRequestBytes(), 1024);
        positive(problems, "limits.quotaBytes", l.quotaBytes(), 1 << 20);
        positive(problems, "limits.maxTxnOps", l.maxTxnOps(), 1);
        if (l.maxRequestBytes() > 16 << 20) {
            problems.add("field limits.maxRequestBytes: " + l.maxRequestBytes() + " is above the 16 MiB a Raft entry "
                    + "may carry");
        }
        checkCompaction(c.compaction(), problems);
        checkTls(c.tls(), problems);
        return problems;
    }

    private static void checkMembers(List<Member> members, List<String> problems) {
        Set<Integer> ids = new HashSet<>();
        Map<String, String> addresses = new HashMap<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            String at = "cluster.members[" + i + "]";
            if (m == null) {
                problems.add("field " + at + ": is empty");
                continue;
            }
            if (m.id() <= 0) {
                problems.add("field " + at + ".id: is required and must be positive");
            } else if (!ids.add(m.id())) {
                problems.add("field " + at + ".id: duplicate member id " + m.id());
            }
            address(problems, at + ".raft", m.raft(), addresses);
            address(problems, at + ".client", m.client(), addresses);
        }
    }

    private static void address(List<String> problems, String field, String value, Map<String, String> seen) {
        try {
            HostPort hp = HostPort.parse(value);
            String other = seen.put(hp.toString(), field);
            if (other != null) {
                problems.add("field " + field + ": address " + hp + " is also used by " + other);
            }
        } catch (IllegalArgumentException e) {
            problems.add("field " + field + ": " + e.getMessage());
        }
    }

    private static void positive(List<String> problems, String field, long value, long min) {
        if (value < min) {
            problems.add("field " + field + ": " + value + " is too small (at least " + min + ")");
        }
    }

    private static void checkCompaction(NodeConfig.CompactionSettings c, List<String> problems) {
        switch (c.mode()) {
            case "none" -> {
                if (c.retention() != null) {
                    problems.add("field compaction.retention: is set, but compaction.mode is none");
                }
            }
            case "periodic" -> {
                try {
                    Durations.parse(c.retention());
                } catch (IllegalArgumentException e) {
                    problems.add("field compaction.retention: " + e.getMessage());
                }
            }
            case "revision" -> {
                try {
                    if (Long.parseLong(String.valueOf(c.retention())) < 1) {
                        problems.add("field compaction.retention: must be a positive number of revisions");
                    }
                } catch (NumberFormatException e) {
                    problems.add("field compaction.retention: '" + c.retention()
                            + "' is not a number of revisions");
                }
            }
            default -> problems.add("field compaction.mode: '" + c.mode()
                    + "' is not one of none, periodic, revision");
        }
    }

    /**
     * TLS: every configured file must exist and parse as the PEM it should be, a key must match its certificate, and
     * the settings must make sense together. Refusing here beats a member that starts and then fails every
     * handshake.
     */
    private static void checkTls(TlsSettings t, List<String> problems) {
        positive(problems, "tls.reloadIntervalMs", t.reloadIntervalMs(), 100);
        checkSide(problems, "tls.certFile", t.certFile(), "tls.keyFile", t.keyFile(), "tls.trustedCaFile",
                t.trustedCaFile());
        if (t.clientCertAuth() && t.trustedCaFile() == null) {
            problems.add("field tls.clientCertAuth: is true, but tls.trustedCaFile is not set: client certificates"
                    + " cannot be verified without a CA");
        }
        if (t.clientCertAuth() && t.certFile() == null) {
            problems.add("field tls.clientCertAuth: is true, but tls.certFile is not set: the client port does not"
                    + " speak TLS");
        }
        checkSide(problems, "tls.peerCertFile", t.peerCertFile(), "tls.peerKeyFile", t.peerKeyFile(),
                "tls.peerTrustedCaFile", t.peerTrustedCaFile());
        if (t.peerCertFile() != null && t.peerTrustedCaFile() == null) {
            problems.add("field tls.peerTrustedCaFile: is required with tls.peerCertFile: members always verify each"
                    + " other's certificates");
        }
    }

    /** One side's certificate, key and CA bundle: set together, readable, PEM, and the key the certificate's. */
    private static void checkSide(List<String> problems, String certField, String cert, String keyField, String key,
                                  String caField, String ca) {
        if (cert == null) {
            if (key != null) {
                problems.add("field " + keyField + ": is set, but " + certField + " is not");
            }
            if (ca != null) {
                problems.add("field " + caField + ": is set, but " + certField + " is not");
            }
            return;
        }
        if (key == null) {
            problems.add("field " + keyField + ": is required with " + certField);
        }
        java.security.cert.X509Certificate own = null;
        try {
            own = PemFiles.certificates(java.nio.file.Path.of(cert)).get(0);
        } catch (PemFiles.InvalidPemException e) {
            problems.add("field " + certField + ": " + e.getMessage());
        }
        java.security.PrivateKey privateKey = null;
        if (key != null) {
            try {
                privateKey = PemFiles.privateKey(java.nio.file.Path.of(key));
            } catch (PemFiles.InvalidPemException e) {
                problems.add("field " + keyField + ": " + e.getMessage());
            }
        }
        if (own != null && privateKey != null) {
            try {
                PemFiles.checkPair(privateKey, own, java.nio.file.Path.of(key), java.nio.file.Path.of(cert));
            } catch (PemFiles.InvalidPemException e) {
                problems.add("field " + keyField + ": " + e.getMessage());
            }
        }
        if (ca != null) {
            try {
                PemFiles.certificates(java.nio.file.Path.of(ca));
            } catch (PemFiles.InvalidPemException e) {
                problems.add("field " + caField + ": " + e.getMessage());
            }
        }
    }
}
