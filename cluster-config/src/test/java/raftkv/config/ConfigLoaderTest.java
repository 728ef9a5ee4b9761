package raftkv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static final String GOOD = """
            cluster:
              name: test
              members:
                - {id: 1, name: node-1, raft: 127.0.0.1:2380, client: 127.0.0.1:2379}
                - {id: 2, name: node-2, raft: 127.0.0.1:22380, client: 127.0.0.1:22379}
                - {id: 3, name: node-3, raft: 127.0.0.1:32380, client: 127.0.0.1:32379}
            node:
              id: 2
              dataDir: data/node-2
            """;

    private Path file(String yaml) throws IOException {
        Path f = dir.resolve("node.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private List<String> problems(String yaml) throws IOException {
        Path f = file(yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f));
        e.problems().forEach(p -> assertTrue(p.startsWith(f.toString() + ": "), "names the file: " + p));
        return e.problems();
    }

    @Test
    void aGoodFileLoadsWithDefaults() throws Exception {
        NodeConfig c = ConfigLoader.load(file(GOOD));
        assertEquals(2, c.self().id());
        assertEquals(22379, c.self().clientAddress().port());
        assertEquals(1000, c.raft().electionTimeoutMs());
        assertEquals(1_572_864, c.limits().maxRequestBytes());
        assertEquals("none", c.compaction().mode());
        assertEquals("http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379",
                c.cluster().clientEndpoints());
    }

    @Test
    void generatedLocalClustersRoundTrip() throws Exception {
        List<Path> files = LocalCluster.write(LocalCluster.defaults(5, Path.of("data")), dir);
        assertEquals(5, files.size());
        NodeConfig c5 = ConfigLoader.load(files.get(4));
        assertEquals(52379, c5.self().clientAddress().port());
        assertEquals(52380, c5.self().raftAddress().port());
        assertEquals(Path.of("data", "node-5"), c5.node().dataPath());
    }

    @Test
    void aPortOffsetMovesEveryPortOfALocalCluster() throws Exception {
        List<Path> files = LocalCluster.write(LocalCluster.defaults(3, Path.of("data"), 100), dir);
        assertEquals(2479, ConfigLoader.load(files.get(0)).self().clientAddress().port());
        NodeConfig c3 = ConfigLoader.load(files.get(2));
        assertEquals(32479, c3.self().clientAddress().port());
        assertEquals(32480, c3.self().raftAddress().port());
        assertThrows(IllegalArgumentException.class, () -> LocalCluster.defaults(3, Path.of("data"), 10_000));
    }

    @Test
    void eachProblemNamesItsField() throws Exception {
        assertEquals(List.of("field cluster.members[1].id: duplicate member id 1",
                        "field node.id: 2 is not the id of any member in cluster.members"),
                strip(problems(GOOD.replace("id: 2, name: node-2", "id: 1, name: node-2"))));
        assertEquals(List.of("field cluster.members[0].raft: port 70000 is out of range (1-65535)"),
                strip(problems(GOOD.replace("127.0.0.1:2380", "127.0.0.1:70000"))));
        assertEquals(List.of("field node.id: 7 is not the id of any member in cluster.members"),
                strip(problems(GOOD.replace("id: 2\n", "id: 7\n"))));
        assertEquals(List.of("field cluster.members[2].client: address 127.0.0.1:2379 is also used by "
                + "cluster.members[0].client"), strip(problems(GOOD.replace("127.0.0.1:32379", "127.0.0.1:2379"))));
        List<String> unknown = strip(problems(GOOD + "raft: {electionTimeout: 5}\n"));
        assertTrue(unknown.get(0).startsWith("field raft.electionTimeout: unknown field"), unknown.toString());
        assertEquals(List.of("field limits.maxTxnOps: has the wrong type, expected a number"),
                strip(problems(GOOD + "limits: {maxTxnOps: lots}\n")));
        assertEquals(List.of("field compaction.retention: '1 hour' is not a duration such as 1h, 30m or 90s"),
                strip(problems(GOOD + "compaction: {mode: periodic, retention: 1 hour}\n")));
        assertEquals(List.of("field cluster: has the wrong type, expected a section of fields"),
                strip(problems("cluster: [1, 2]\n")));
        assertEquals(List.of("field (top level): has the wrong type, expected a section of fields"),
                strip(problems("- 1\n- 2\n")));
        assertTrue(strip(problems("node: {id: 1}\ncluster: \"abc\n")).get(0).startsWith("not valid YAML at line "));
        assertEquals(List.of("no such file"), strip(problemsOf(dir.resolve("missing.yaml"))));
    }

    private List<String> problemsOf(Path f) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(f)).problems();
    }

    private static List<String> strip(List<String> problems) {
        return problems.stream().map(p -> p.substring(p.indexOf(": ") + 2)).toList();
    }
}
