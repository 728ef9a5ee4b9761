package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import raftkv.storage.KeyRange;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.Permission;
import raftkv.storage.request.PutRequest;

/** Auth commands and commands on behalf of a user in log entries (tags 10 and 11). */
class AuthEntryCodecTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One of every kind, with awkward values: empty and non-ASCII names, every range shape. */
    private static List<AuthCommand> everyKind() {
        List<AuthCommand> all = new ArrayList<>();
        all.add(new AuthCommand.Enable(new byte[] {0, 1, (byte) 0xFF, 42}));
        all.add(new AuthCommand.Enable(new byte[0]));
        all.add(new AuthCommand.Disable());
        all.add(new AuthCommand.UserAdd("alice", "$2a$10$abcdefghijklmnopqrstuv"));
        all.add(new AuthCommand.UserAdd("ünïcødé 名前", ""));
        all.add(new AuthCommand.UserDelete("bob"));
        all.add(new AuthCommand.UserChangePassword("alice", "$2a$10$other"));
        all.add(new AuthCommand.UserGrantRole("alice", "root"));
        all.add(new AuthCommand.UserRevokeRole("alice", "reader"));
        all.add(new AuthCommand.RoleAdd("reader"));
        all.add(new AuthCommand.RoleAdd(""));
        all.add(new AuthCommand.RoleDelete("reader"));
        for (Permission.Type type : Permission.Type.values()) {
            all.add(new AuthCommand.RoleGrantPermission("reader", new Permission(type, KeyRange.single(b("k")))));
        }
        all.add(new AuthCommand.RoleGrantPermission("r", new Permission(Permission.Type.READ, KeyRange.prefix(b("app/")))));
        all.add(new AuthCommand.RoleGrantPermission("r", new Permission(Permission.Type.WRITE,
                new KeyRange(new byte[0], new byte[] {0}))));
        all.add(new AuthCommand.RoleGrantPermission("r", new Permission(Permission.Type.READWRITE,
                new KeyRange(new byte[] {0}, new byte[] {0, 0}))));
        all.add(new AuthCommand.RoleRevokePermission("r", KeyRange.single(b("k"))));
        all.add(new AuthCommand.RoleRevokePermission("r", new KeyRange(b("a"), new byte[] {0})));
        all.add(new AuthCommand.RoleRevokePermission("r", new KeyRange(b("a"), b("b"))));
        return all;
    }

    /** Commands hold byte arrays (Enable's key) that records compare by identity; compare by content. */
    private static void assertSameCommand(Command expected, Command actual) {
        if (expected instanceof Command.AsUser u) {
            Command.AsUser a = assertInstanceOf(Command.AsUser.class, actual);
            assertEquals(u.user(), a.user());
            assertEquals(u.authRevision(), a.authRevision());
            assertSameCommand(u.command(), a.command());
        } else if (expected instanceof Command.Auth x && x.change() instanceof AuthCommand.Enable e) {
            AuthCommand.Enable a = assertInstanceOf(AuthCommand.Enable.class,
                    assertInstanceOf(Command.Auth.class, actual).change());
            assertArrayEquals(e.tokenKey(), a.tokenKey());
        } else {
            assertEquals(expected, actual);
        }
    }

    private static Command roundTrip(Command c) {
        LogEntry decoded = EntryCodec.decode(EntryCodec.encode(new LogEntry(7, List.of(new Proposal(3, c)))));
        assertEquals(7, decoded.proposer());
        assertEquals(1, decoded.proposals().size());
        assertEquals(3, decoded.proposals().get(0).seq());
        return decoded.proposals().get(0).command();
    }

    @Test
    void everyAuthCommandRoundTrips() {
        for (AuthCommand a : everyKind()) {
            Command c = new Command.Auth(a);
            assertSameCommand(c, roundTrip(c));
        }
    }

    @Test
    void everyCommandOnBehalfOfAUserRoundTrips() {
        List<Command> inner = new ArrayList<>();
        inner.add(new Command.Kv(PutRequest.of(b("k"), b("v")).withLease(5)));
        inner.add(new Command.LeaseGrant(9, 60));
        inner.add(new Command.LeaseRevoke(9));
        inner.add(new Command.Compact(100));
        for (AuthCommand a : everyKind()) {
            inner.add(new Command.Auth(a));
        }
        for (String user : new String[] {"alice", "", "名前"}) {
            for (long revision : new long[] {0, 1, 127, 128, Long.MAX_VALUE}) {
                for (Command c : inner) {
                    Command wrapped = new Command.AsUser(user, revision, c);
                    assertSameCommand(wrapped, roundTrip(wrapped));
                }
            }
        }
    }

    @Test
    void manyAuthCommandsShareOneEntry() {
        List<Proposal> ps = new ArrayList<>();
        long seq = 0;
        for (AuthCommand a : everyKind()) {
            ps.add(new Proposal(seq++, new Command.Auth(a)));
            ps.add(new Proposal(seq++, new Command.AsUser("root", seq, new Command.Auth(a))));
        }
        LogEntry decoded = EntryCodec.decode(EntryCodec.encode(new LogEntry(1, ps)));
        assertEquals(ps.size(), decoded.proposals().size());
        for (int i = 0; i < ps.size(); i++) {
            assertEquals(ps.get(i).seq(), decoded.proposals().get(i).seq());
            assertSameCommand(ps.get(i).command(), decoded.proposals().get(i).command());
        }
    }

    @Test
    void aCommandOnBehalfOfAUserInsideAnotherIsMalformed() {
        assertThrows(IllegalArgumentException.class,
                () -> new Command.AsUser("a", 1, new Command.AsUser("b", 1, new Command.LeaseRevoke(1))));
        // Written by hand, as a damaged or hostile entry would be: AS_USER "a" 1 AS_USER "b" 1 LEASE_REVOKE 1.
        ByteWriter w = new ByteWriter();
        w.out.write(EntryCodec.VERSION);
        w.fixed64(1);
        w.var(1);
        w.var(0);
        w.out.write(11);
        w.bytes(b("a"));
        w.var(1);
        w.out.write(11);
        w.bytes(b("b"));
        w.var(1);
        w.out.write(7);
        w.zigzag(1);
        byte[] nested = w.out.toByteArray();
        assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(nested));
    }

    @Test
    void anUnknownAuthKindOrPermissionTypeIsMalformed() {
        byte[] good = EntryCodec.encode(new LogEntry(1, List.of(new Proposal(0, new Command.Auth(
                new AuthCommand.RoleGrantPermission("r", new Permission(Permission.Type.READ, KeyRange.single(b("k")))))))));
        // version(1) proposer(8) count(1) seq(1) AUTH(1) kind(1) "r"(2) type(1) ...
        int kindAt = 12;
        assertEquals(10, good[kindAt]);
        byte[] badKind = good.clone();
        badKind[kindAt] = 99;
        var e = assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(badKind));
        assertEquals(true, e.getMessage().contains("99"), e.getMessage());
        byte[] badType = good.clone();
        badType[kindAt + 3] = 3;
        assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(badType));
    }

    @Test
    void everyTruncationOfAnAuthEntryIsMalformed() {
        List<Proposal> ps = new ArrayList<>();
        for (AuthCommand a : everyKind()) {
            ps.add(new Proposal(ps.size(), new Command.AsUser("alice", 5, new Command.Auth(a))));
        }
        for (Proposal p : ps) {
            byte[] good = EntryCodec.encode(new LogEntry(1, List.of(p)));
            for (int len = 0; len < good.length; len++) {
                byte[] cut = Arrays.copyOf(good, len);
                assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(cut),
                        p.command() + " cut to " + len);
            }
        }
    }

    @Test
    void anAuthEntryWithTrailingBytesIsMalformed() {
        byte[] good = EntryCodec.encode(new LogEntry(1, List.of(new Proposal(0, new Command.Auth(
                new AuthCommand.Disable())))));
        ByteArrayOutputStream longer = new ByteArrayOutputStream();
        longer.writeBytes(good);
        longer.write(0);
        assertThrows(EntryCodec.MalformedEntryException.class, () -> EntryCodec.decode(longer.toByteArray()));
    }
}
