package raftkv.raft;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.Alarm;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyRange;
import raftkv.storage.MvccStore;
import raftkv.storage.StorageException;
import raftkv.storage.auth.AuthState;
import raftkv.storage.auth.Permission;
import raftkv.storage.auth.RequestPermissions;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.ResponseOp;
import raftkv.storage.request.TxnRequest;

/**
 * What each {@link Command} does to the store: the replicated semantics, the same on every member. Called by
 * {@link KvStateMachine} on Ratis' apply thread, one command at a time, within the entry's apply scope.
 */
final class CommandApplier {

    private static final Logger log = LoggerFactory.getLogger(CommandApplier.class);

    private CommandApplier() {
    }

    /**
     * Applies one command: its result, or the {@link StorageException} that refused it. While authentication is on,
     * a client's command must come on behalf of a user, checked by the member that received it against the auth
     * state the apply still has (etcd's auth revision check): a permission revoked in between is honoured. What
     * only the apply knows, the keys of a lease, is checked here.
     */
    static CommandResult apply(MvccStore store, Command command, long term) {
        AuthState auth = store.auth();
        if (command instanceof Command.AsUser u) {
            if (auth.enabled()) {
                if (u.authRevision() != auth.revision()) {
                    // The auth state changed after the receiving member checked it: check it again against this
                    // state, the same on every member. etcd refuses it outright (its client retries); checking
                    // again honours a revoke just as surely without failing what is still permitted. (A revision
                    // ahead of this state's comes from no honest member: it is checked all the same.)
                    recheck(auth, u.user(), u.command());
                }
                checkLeaseKeys(store, auth, u.user(), u.command());
            }
            return applyChecked(store, u.command(), term);
        }
        if (auth.enabled() && (command instanceof Command.Kv || command instanceof Command.LeaseGrant
                || command instanceof Command.LeaseRevoke || command instanceof Command.Auth)) {
            // Proposed while the receiving member had authentication off, applied after it was turned on.
            throw new StorageException(ErrorCode.USER_EMPTY);
        }
        return applyChecked(store, command, term);
    }

    /** The receiving member's check of {@code command} (see raftkv.server.auth.Guard), against {@code auth}. */
    private static void recheck(AuthState auth, String user, Command command) {
        if (command instanceof Command.Kv kv) {
            RequestPermissions.check(auth, user, kv.op());
        } else if (command instanceof Command.LeaseGrant || command instanceof Command.LeaseRevoke) {
            auth.checkAuthenticated(user);
        } else if (command instanceof Command.Auth || command instanceof Command.Compact
                || command instanceof Command.Alarm) {
            auth.checkRoot(user);
        }
    }

    /**
     * A user may attach a key to a lease, or revoke it, only if it may write every key the lease already holds:
     * the revoke deletes them all (etcd's checkLeasePuts).
     */
    private static void checkLeaseKeys(MvccStore store, AuthState auth, String user, Command command) {
        if (command instanceof Command.LeaseRevoke rv) {
            checkLeaseKeys(store, auth, user, rv.id());
        } else if (command instanceof Command.Kv kv) {
            checkLeaseKeys(store, auth, user, kv.op());
        }
    }

    private static void checkLeaseKeys(MvccStore store, AuthState auth, String user, RequestOp op) {
        if (op instanceof PutRequest p && p.lease() != 0) {
            checkLeaseKeys(store, auth, user, p.lease());
        } else if (op instanceof TxnRequest t) {
            t.success().forEach(o -> checkLeaseKeys(store, auth, user, o));
            t.failure().forEach(o -> checkLeaseKeys(store, auth, user, o));
        }
    }

    private static void checkLeaseKeys(MvccStore store, AuthState auth, String user, long leaseId) {
        if (auth.isRoot(user)) {
            return;
        }
        raftkv.storage.lease.Lease lease = store.lease(leaseId);
        if (lease != null) {
            for (byte[] key : lease.keys()) {
                auth.check(user, Permission.Type.WRITE, KeyRange.single(key));
            }
        }
    }

    /** Applies a command whose authorization holds. */
    private static CommandResult applyChecked(MvccStore store, Command command, long term) {
        if (command instanceof Command.Auth a) {
            store.applyAuth(a.change());
            log.info("auth: applied {} (auth revision now {})", a.change(), store.auth().revision());
            return new CommandResult(store.revision(), null);
        }
        if (command instanceof Command.Compact c) {
            store.compact(c.revision());
            return new CommandResult(store.revision(), null);
        }
        if (!fits(store, command)) {
            throw new StorageException(ErrorCode.NO_SPACE);
        }
        if (command instanceof Command.LeaseGrant g) {
            store.grant(g.id(), g.ttlSeconds());
            return new CommandResult(store.revision(), null);
        }
        if (command instanceof Command.LeaseRevoke rv) {
            return new CommandResult(store.revoke(rv.id()), null);
        }
        if (command instanceof Command.LeaseExpire e) {
            if (e.term() != term) {
                // Decided by a leader of an older term on its own clock, and carried into a later term's entry:
                // the leader of this term runs the clocks now (see Command.LeaseExpire). Same on every member.
                log.warn("ignored the expiry of lease {} decided in term {}: its entry is of term {}", e.id(),
                        e.term(), term);
                return new CommandResult(store.revision(), null);
            }
            log.info("lease {} expired (decided by the leader of term {}): revoking it", e.id(), term);
            return new CommandResult(store.revoke(e.id()), null);
        }
        if (command instanceof Command.Alarm a) {
            Alarm alarm = new Alarm(a.memberId(), alarmType(a.alarm()));
            if (store.alarm(alarm, a.activate())) {
                log.warn("alarm {} of member {} {}", a.alarm(), a.memberId(), a.activate() ? "raised" : "cleared");
            }
            return new CommandResult(store.revision(), null);
        }
        Command.Kv kv = (Command.Kv) command;
        ResponseOp r;
        if (kv.op() instanceof PutRequest p) {
            r = store.put(p);
        } else if (kv.op() instanceof DeleteRangeRequest d) {
            r = store.deleteRange(d);
        } else if (kv.op() instanceof TxnRequest t) {
            r = store.txn(t);
        } else {
            throw new StorageException(ErrorCode.INVALID_ARGUMENT, "a range is not a write");
        }
        return new CommandResult(r.revision(), r);
    }

    private static Alarm.Type alarmType(String name) {
        try {
            return Alarm.Type.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new StorageException(ErrorCode.INVALID_ARGUMENT, "unknown alarm " + name);
        }
    }

    /**
     * Whether the store has room for what {@code command} adds. While a NOSPACE alarm is raised anywhere, puts,
     * txns that put and lease grants are refused at apply, by every member alike (etcd's capped applier); deletes,
     * compaction and revokes, which give space back, go on. The API refuses puts and txns earlier too, but only
     * this check is the same on every member.
     */
    private static boolean fits(MvccStore store, Command command) {
        if (!store.alarmed(Alarm.Type.NOSPACE)) {
            return true;
        }
        if (command instanceof Command.LeaseGrant) {
            return false;
        }
        if (command instanceof Command.Kv kv) {
            return !(kv.op() instanceof PutRequest) && !(kv.op() instanceof TxnRequest t && t.puts());
        }
        return true;
    }
}
