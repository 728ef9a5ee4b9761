package raftkv.it;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Scenarios that need what only some machines allow (root for network namespaces and tmpfs mounts, libfaketime for
 * clock steps). A developer's machine may lack it, and the scenario is then skipped with the reason; CI, which runs
 * as root and installs what they need ({@code .ci/run} sets {@value #REQUIRED}), must run them all, so there a
 * refusal fails the build instead of skipping silently.
 */
final class Privileged {

    static final String REQUIRED = "RAFTKV_PRIVILEGED_TESTS_REQUIRED";

    private Privileged() {
    }

    /** Skips the test (or fails it, where these scenarios are required) because {@code why}. */
    static void unavailable(String scenario, String why) {
        String message = scenario + " needs " + why;
        if ("1".equals(System.getenv(REQUIRED))) {
            Assertions.fail(message + ", and " + REQUIRED + " says this run must not skip it");
        }
        Assumptions.abort(message + "; skipped on this machine");
    }
}
