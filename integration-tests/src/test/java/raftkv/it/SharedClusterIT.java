package raftkv.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class whose tests share one 3-node cluster, started before the first and stopped after the last: for
 * tests that use keys of their own and bring back any member they kill. Each class gets its own cluster, ports
 * and directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SharedClusterIT {

    TestCluster cluster;
    ApiClient api;

    @BeforeAll
    void startCluster(@TempDir Path dir) throws Exception {
        // Named after the test class, which names the directory its node logs are kept in.
        cluster = TestCluster.start(3, dir.resolve(getClass().getSimpleName()), TestCluster.Settings.DEFAULT);
        api = cluster.api;
    }

    @AfterAll
    void stopCluster() {
        cluster.close();
    }
}
