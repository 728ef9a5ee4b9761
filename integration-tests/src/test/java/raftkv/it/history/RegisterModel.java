package raftkv.it.history;

import java.util.Objects;

/**
 * The sequential specification the checker holds a history to: one register per key whose state is its value, or
 * {@code null} when the key is absent. As etcd does, a CAS on an absent key fails (there is no value to compare).
 */
final class RegisterModel {

    /** What an operation does to {@code state}, or {@link #ILLEGAL} when its answer is impossible from it. */
    static final Object ILLEGAL = new Object();

    private RegisterModel() {
    }

    static Object step(String state, Operation op) {
        boolean unknown = op.outcome() == Operation.Outcome.UNKNOWN;
        return switch (op.kind()) {
            case GET -> unknown || Objects.equals(state, op.value()) ? state : ILLEGAL;
            case PUT -> op.value();
            case DELETE -> unknown || op.succeeded() == (state != null) ? null : ILLEGAL;
            case CAS -> {
                boolean matches = state != null && state.equals(op.expected());
                if (unknown) {
                    yield matches ? op.value() : state;
                }
                if (op.succeeded() != matches) {
                    yield ILLEGAL;
                }
                yield matches ? op.value() : state;
            }
        };
    }
}
