package raftkv.server.grpc;

import com.google.protobuf.CodedOutputStream;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a watch response too large for a client that asked for fragments, as etcd's {@code sendFragments} does:
 * a response of at least {@code limit} bytes with two events or more goes out as several, each with the same
 * header and id and as many whole events as stay under the limit (at least one), all but the last marked
 * {@code fragment}; the client joins them. Stateless; runs on whichever thread renders the response.
 */
final class WatchFragments {

    private WatchFragments() {
    }

    static List<WatchResponse> split(WatchResponse r, long limit) {
        if (r.getSerializedSize() < limit || r.getEventsCount() < 2) {
            return List.of(r);
        }
        WatchResponse.Builder empty = r.toBuilder().clearEvents();
        long base = EtcdWire.fragment(empty.clone()).build().getSerializedSize();
        List<WatchResponse> out = new ArrayList<>();
        int next = 0;
        while (next < r.getEventsCount()) {
            List<Event> part = new ArrayList<>();
            long size = base;
            for (; next < r.getEventsCount(); next++) {
                Event e = r.getEvents(next);
                // A message's size is its fields' sizes added up, so the fragment need not be built to be measured.
                long more = CodedOutputStream.computeMessageSize(WatchResponse.EVENTS_FIELD_NUMBER, e);
                if (!part.isEmpty() && size + more >= limit) {
                    break;
                }
                part.add(e);
                size += more;
            }
            WatchResponse.Builder b = empty.clone().addAllEvents(part);
            out.add(next < r.getEventsCount() ? EtcdWire.fragment(b).build() : b.build());
        }
        return out;
    }
}
