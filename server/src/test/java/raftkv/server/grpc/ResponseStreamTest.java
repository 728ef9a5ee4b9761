package raftkv.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A stream that is not ready keeps messages queued up to its bound, then drains them in order when it is. */
class ResponseStreamTest {

    /** A call whose transport is ready when the test says so. */
    static final class FakeCall extends ServerCallStreamObserver<WatchResponse> {
        final List<WatchResponse> sent = new ArrayList<>();
        boolean ready;
        boolean completed;
        Throwable error;
        Runnable onReady;

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable r) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable r) {
            onReady = r;
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void onNext(WatchResponse value) {
            sent.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
            completed = true;
        }

        void becomeReady() {
            ready = true;
            onReady.run();
        }
    }

    private static WatchResponse message(long id) {
        return WatchResponse.newBuilder().setWatchId(id).setHeader(ResponseHeader.newBuilder().setRevision(id))
                .build();
    }

    @Test
    void aReaderThatDoesNotReadIsRefusedPastTheBoundAndGetsTheRestInOrderOnceItReads() {
        FakeCall call = new FakeCall();
        long size = message(1).getSerializedSize();
        ResponseStream<WatchResponse> s = new ResponseStream<>(call, 3 * size);
        for (long i = 1; i <= 4; i++) {
            assertTrue(s.offer(message(i)), "message " + i);
        }
        assertFalse(s.offer(message(5)), "past the bound");
        s.send(message(6)); // must go out: queued all the same
        s.complete();
        assertTrue(call.sent.isEmpty() && !call.completed);
        call.becomeReady();
        assertEquals(List.of(1L, 2L, 3L, 4L, 6L), call.sent.stream().map(WatchResponse::getWatchId).toList());
        assertTrue(call.completed);
        assertNull(call.error);
    }

    @Test
    void aReaderTwicePastTheBoundIsCutOff() {
        FakeCall call = new FakeCall();
        long size = message(1).getSerializedSize();
        ResponseStream<WatchResponse> s = new ResponseStream<>(call, 2 * size);
        for (long i = 1; i <= 6; i++) {
            s.send(message(i)); // the sixth finds five unread, more than twice the bound
        }
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(call.error).getCode());
        assertTrue(s.ended());
        assertFalse(s.offer(message(9)));
        call.becomeReady();
        assertTrue(call.sent.isEmpty(), "what was queued is dropped");
    }
}
