package raftkv.it;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Listeners for jetcd's watch and keepalive that keep what they are told, for a test to assert on. */
final class JetcdListeners {

    private JetcdListeners() {
    }

    /** Collects what a jetcd watch delivers. */
    static final class Seen implements Watch.Listener {
        final List<WatchEvent> events = new CopyOnWriteArrayList<>();
        final List<io.etcd.jetcd.watch.WatchResponse> responses = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();

        @Override
        public void onNext(io.etcd.jetcd.watch.WatchResponse r) {
            responses.add(r);
            events.addAll(r.getEvents());
        }

        @Override
        public void onError(Throwable t) {
            errors.add(t);
        }

        @Override
        public void onCompleted() {
        }

        List<Long> revisions() {
            return events.stream().map(e -> e.getKeyValue().getModRevision()).toList();
        }
    }

    /** Counts a keepalive's renewals (answers with a TTL). */
    static StreamObserver<LeaseKeepAliveResponse> counting(AtomicInteger renewals) {
        return new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                if (r.getTTL() > 0) {
                    renewals.incrementAndGet();
                }
            }

            @Override
            public void onError(Throwable t) {
                // jetcd opens another stream by itself
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
