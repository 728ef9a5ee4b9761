package raftkv.client;

import java.util.concurrent.Executor;

/** Watches keys and ranges; see {@link Watcher} for how a watch survives the loss of its node. */
public final class WatchClient {

    private final Rpc rpc;
    private final Executor callbacks;

    WatchClient(Rpc rpc, Executor callbacks) {
        this.rpc = rpc;
        this.callbacks = callbacks;
    }

    public Watcher watch(String key, WatchOptions options, WatchListener listener) {
        return watch(Wire.utf8(key), options, listener);
    }

    public Watcher watch(byte[] key, WatchOptions options, WatchListener listener) {
        Watcher w = new Watcher(rpc, key, options, listener, callbacks);
        w.start();
        return w;
    }
}
