package raftkv.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A transaction: if every compare holds, the "then" operations run, else the "else" ones, all at one revision.
 * Built with {@link #when}, {@link #then}, {@link #otherwise}; {@link #commit} sends it. A txn without writes is
 * a read and is retried like one.
 */
public final class Txn {

    private final List<Cmp> compares = new ArrayList<>();
    private final List<TxnOp> success = new ArrayList<>();
    private final List<TxnOp> failure = new ArrayList<>();
    private final Function<Txn, CompletableFuture<Responses.Txn>> committer;

    Txn(Function<Txn, CompletableFuture<Responses.Txn>> committer) {
        this.committer = committer;
    }

    /** A txn to nest in another with {@link TxnOp#txn}. */
    public static Txn nested() {
        return new Txn(t -> {
            throw new IllegalStateException("a nested txn is committed by its parent");
        });
    }

    public Txn when(Cmp... cmps) {
        compares.addAll(List.of(cmps));
        return this;
    }

    public Txn then(TxnOp... ops) {
        success.addAll(List.of(ops));
        return this;
    }

    public Txn otherwise(TxnOp... ops) {
        failure.addAll(List.of(ops));
        return this;
    }

    public CompletableFuture<Responses.Txn> commit() {
        return committer.apply(this);
    }

    boolean writes() {
        return success.stream().anyMatch(TxnOp::write) || failure.stream().anyMatch(TxnOp::write);
    }

    ObjectNode toJson() {
        ObjectNode o = Rpc.object();
        ArrayNode c = o.putArray("compare");
        compares.forEach(x -> c.add(x.toJson()));
        ArrayNode s = o.putArray("success");
        success.forEach(x -> s.add(x.toJson()));
        ArrayNode f = o.putArray("failure");
        failure.forEach(x -> f.add(x.toJson()));
        return o;
    }
}
