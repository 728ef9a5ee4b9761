package raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointsTest {

    private final URI a = URI.create("http://127.0.0.1:1");
    private final URI b = URI.create("http://127.0.0.1:2");
    private final URI c = URI.create("http://127.0.0.1:3");

    @Test
    void triesThePreferredEndpointFirstThenTheOthersInTurn() {
        Endpoints e = new Endpoints(List.of(a, b, c));
        assertEquals(a, e.pick(0));
        assertEquals(b, e.pick(1));
        assertEquals(c, e.pick(2));
        e.succeeded(b);
        assertEquals(b, e.pick(0));
        assertEquals(c, e.pick(1));
    }

    @Test
    void writesGoToTheNamedLeaderWhileReadsStayOnThePreferredEndpoint() {
        Endpoints e = new Endpoints(List.of(a, b, c));
        assertEquals(a, e.pickForWrite(0), "no leader known: the preferred endpoint");
        e.leaderNamed("http://127.0.0.1:3");
        assertEquals(c, e.pickForWrite(0));
        e.succeeded(c, false);
        assertEquals(a, e.pick(0), "a write to the leader does not move the reads");
        assertEquals(b, e.pickForWrite(1), "a retry goes on in the usual order");
        e.failed(c);
        assertEquals(a, e.pickForWrite(0), "a failed leader is forgotten");
        e.leaderNamed("http://10.0.0.9:2379");
        assertEquals(a, e.pickForWrite(0), "a leader outside the endpoints is not used");
        e.leaderNamed("http://127.0.0.1:2");
        assertEquals(b, e.pickForWrite(0));
    }

    @Test
    void aFailedEndpointIsSkippedWhileOthersAreUp() {
        Endpoints e = new Endpoints(List.of(a, b, c));
        e.failed(a);
        assertEquals(b, e.pick(0));
        for (int attempt = 0; attempt < 6; attempt++) {
            assertTrue(!e.pick(attempt).equals(a), "picked the failed endpoint on attempt " + attempt);
        }
        List<EndpointHealth> h = e.health();
        assertFalse(h.get(0).reachable());
        assertEquals(1, h.get(0).consecutiveFailures());
        assertTrue(h.get(1).reachable());
    }

    @Test
    void whenAllHaveFailedTheOneBackSoonestIsTried() {
        Endpoints e = new Endpoints(List.of(a, b));
        e.failed(a);
        e.failed(a); // a's backoff is now longer than b's
        e.failed(b);
        assertEquals(b, e.pick(0));
        e.succeeded(a);
        assertEquals(a, e.pick(0));
        assertTrue(e.health().get(0).reachable());
    }
}
