package raftkv.server.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import raftkv.config.ConfigLoader;
import raftkv.config.NodeConfig;

class ClusterToolTest {

    @TempDir
    Path dir;

    private static int run(String... args) {
        return new CommandLine(new ClusterTool()).execute(args);
    }

    @Test
    void aPortOffsetMovesTheConfiguredPortsAndIsBounded() throws Exception {
        Path out = dir.resolve("config");
        assertEquals(0, run("--port-offset", "100", "configs", "--nodes", "3", "--out", out.toString(), "--data",
                dir.toString()));
        NodeConfig node2 = ConfigLoader.load(out.resolve("node-2.yaml"));
        assertEquals(22479, node2.self().clientAddress().port());
        assertEquals(22480, node2.self().raftAddress().port());

        Path refused = dir.resolve("refused");
        assertEquals(2, run("--port-offset", "10000", "configs", "--out", refused.toString(), "--data",
                dir.toString()));
        assertFalse(Files.exists(refused));
    }
}
