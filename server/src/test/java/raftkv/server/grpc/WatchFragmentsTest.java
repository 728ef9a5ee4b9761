package raftkv.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fragments as etcd's sendFragments makes them: under the limit, whole events, joined back into the response. */
class WatchFragmentsTest {

    private static WatchResponse response(int events, int valueBytes) {
        WatchResponse.Builder b = WatchResponse.newBuilder().setWatchId(3)
                .setHeader(ResponseHeader.newBuilder().setRevision(42).setMemberId(1).setClusterId(9));
        for (int i = 0; i < events; i++) {
            b.addEvents(Event.newBuilder().setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
                    .setValue(ByteString.copyFrom(new byte[valueBytes])).setModRevision(42)));
        }
        return b.build();
    }

    private static boolean fragment(WatchResponse r) {
        return r.getUnknownFields().hasField(7) && r.getUnknownFields().getField(7).getVarintList().contains(1L);
    }

    @Test
    void aResponseUnderTheLimitOrWithOneEventGoesWhole() {
        WatchResponse small = response(10, 100);
        assertEquals(List.of(small), WatchFragments.split(small, 1 << 20));
        WatchResponse single = response(1, 5000);
        assertEquals(List.of(single), WatchFragments.split(single, 1000));
    }

    @Test
    void aLargeResponseIsSplitUnderTheLimitAndJoinsBack() {
        WatchResponse big = response(100, 1000);
        long limit = 10_000;
        List<WatchResponse> parts = WatchFragments.split(big, limit);
        assertTrue(parts.size() >= 10, parts.size() + " parts");
        List<Event> joined = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            WatchResponse p = parts.get(i);
            assertTrue(p.getSerializedSize() < limit, "part " + i + " is " + p.getSerializedSize() + " bytes");
            assertEquals(i < parts.size() - 1, fragment(p), "fragment flag of part " + i);
            assertEquals(big.getHeader(), p.getHeader());
            assertEquals(3, p.getWatchId());
            joined.addAll(p.getEventsList());
        }
        assertEquals(big.getEventsList(), joined);
        // Filled up to the limit: a part and the next one's first event would not fit together.
        WatchResponse first = parts.get(0);
        assertTrue(first.getSerializedSize() + parts.get(1).getEvents(0).getSerializedSize() >= limit - 8);
    }
}
