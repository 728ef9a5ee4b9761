package raftkv.server.ops;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import raftkv.server.Node;
import raftkv.storage.Event;
import raftkv.storage.KeyRange;
import raftkv.storage.KeyValue;
import raftkv.storage.request.RangeResponse;

/**
 * One observer of an election, as etcd's {@code Election.Observe}: reads the leader (the first in line) and
 * reports it, then watches the leader's key and reports each new value, until the key is deleted; then reads the
 * next leader. With no candidate it waits, watching the election's prefix, for the first key put, and reports
 * nothing meanwhile. Every report is a new leader or a new value of the leader's key, in revision order.
 *
 * <p>Threads: reads complete on the work pool (after their ReadIndex round) or on the calling thread; watch
 * events come on the hub's dispatcher thread; {@link #stop()} comes from the protocol layer. State is guarded by
 * this, and reports are made holding it, so they never overlap and never follow {@code stop}: the consumer must
 * not block. A watch's late messages are told apart by its generation and dropped.
 */
public final class LeaderObserver {

    private final Node node;
    private final WaitingLine line;
    private final byte[] prefix;
    private final Consumer<ElectionOps.Leader> onLeader;
    private final Consumer<Throwable> onFailure;
    // guarded by this
    private KeyWatch watch;
    private long generation;
    private boolean stopped;

    LeaderObserver(Node node, WaitingLine line, byte[] prefix, Consumer<ElectionOps.Leader> onLeader,
            Consumer<Throwable> onFailure) {
        this.node = node;
        this.line = line;
        this.prefix = prefix;
        this.onLeader = onLeader;
        this.onFailure = onFailure;
    }

    public void start() {
        read();
    }

    /** Ends the observation (the client went away); nothing is reported after this returns. */
    public synchronized void stop() {
        stopped = true;
        unwatch();
    }

    private void read() {
        CompletableFuture<RangeResponse> first;
        try {
            first = line.firstInLine(prefix);
        } catch (RuntimeException e) {
            first = CompletableFuture.failedFuture(e);
        }
        first.whenComplete(this::onRead);
    }

    private synchronized void onRead(RangeResponse r, Throwable e) {
        if (stopped) {
            return;
        }
        if (e != null) {
            stopped = true;
            onFailure.accept(e);
        } else if (r.kvs().isEmpty()) {
            awaitCandidate(r.revision() + 1);
        } else {
            KeyValue leader = r.kvs().get(0);
            onLeader.accept(new ElectionOps.Leader(leader, r.revision()));
            follow(leader.key(), r.revision() + 1);
        }
    }

    /** No candidate at {@code from - 1}: the first key put under the prefix after it leads. */
    private void awaitCandidate(long from) {
        long mine = ++generation;
        watch = KeyWatch.start(node.raft().watches(), KeyRange.prefix(prefix), from, false, true,
                new KeyWatch.Listener() {
                    @Override
                    public void onEvents(List<Event> events, long revision) {
                        synchronized (LeaderObserver.this) {
                            if (stopped || mine != generation) {
                                return;
                            }
                            unwatch();
                            KeyValue leader = events.get(0).kv();
                            onLeader.accept(new ElectionOps.Leader(leader, leader.modRevision()));
                            follow(leader.key(), leader.modRevision() + 1);
                        }
                    }

                    @Override
                    public void onLost() {
                        readAgain(mine);
                    }
                });
    }

    /** Reports each put of the leader's {@code key} from {@code from} on, and reads anew once it is deleted. */
    private void follow(byte[] key, long from) {
        long mine = ++generation;
        watch = KeyWatch.start(node.raft().watches(), KeyRange.single(key), from, false, false,
                new KeyWatch.Listener() {
                    @Override
                    public void onEvents(List<Event> events, long revision) {
                        synchronized (LeaderObserver.this) {
                            for (Event e : events) {
                                if (stopped || mine != generation) {
                                    return;
                                }
                                if (e.type() == Event.Type.DELETE) {
                                    readAgain(mine);
                                    return;
                                }
                                onLeader.accept(new ElectionOps.Leader(e.kv(), revision));
                            }
                        }
                    }

                    @Override
                    public void onLost() {
                        readAgain(mine);
                    }
                });
    }

    /** Drops watch {@code gen} (unless a newer one replaced it) and reads the leader again, on the work pool. */
    private synchronized void readAgain(long gen) {
        if (stopped || gen != generation) {
            return;
        }
        unwatch();
        node.work().execute(this::read);
    }

    private void unwatch() {
        generation++;
        if (watch != null) {
            watch.close();
            watch = null;
        }
    }
}
