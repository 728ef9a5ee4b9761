package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node given a bad configuration refuses to start: exit code 2, every problem named, no stack trace. */
class BadConfigIT {

    @TempDir
    Path dir;

    @Test
    void aNodeWithABadConfigExitsNonZeroAndNamesEveryProblem() throws Exception {
        Path config = dir.resolve("node.yaml");
        Files.writeString(config, """
                cluster:
                  name: bad
                  members:
                    - {id: 1, name: a, raft: 127.0.0.1:70000, client: 127.0.0.1:2379}
                    - {id: 1, name: b, raft: 127.0.0.1:2380, client: 127.0.0.1:22379}
                node: {id: 3, dataDir: %s}
                """.formatted(dir.resolve("data")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Dlogback.configurationFile=logback.xml", "-cp",
                System.getProperty("java.class.path"), "raftkv.server.RaftKvServer", "--config", config.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("field cluster.members[0].raft: port 70000 is out of range"), out);
        assertTrue(out.contains("field cluster.members[1].id: duplicate member id 1"), out);
        assertTrue(out.contains("field node.id: 3 is not the id of any member"), out);
        assertFalse(out.contains("Exception") || out.contains("\tat "), "no stack trace: " + out);
        assertFalse(Files.exists(dir.resolve("data")), "nothing was created");
    }
}
