package raftkv.raft;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis settings of a member's server and of its client (which carries a follower's entries to the leader):
 * where a Ratis default is wrong for us, the reason is next to the setting.
 */
final class RatisSettings {

    private RatisSettings() {
    }

    static RaftProperties server(RaftNodeOptions o) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(o.raftDir().toFile()));
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        String address = o.self().raftAddress();
        int colon = address.lastIndexOf(':');
        GrpcConfigKeys.Server.setHost(p, address.substring(0, colon));
        GrpcConfigKeys.Server.setPort(p, Integer.parseInt(address.substring(colon + 1)));
        // Ratis' defaults are wrong for us (see SPEC.md): reads must be linearizable, snapshots automatic.
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        // Ratis asks from half the threshold on; the Snapshotter picks this member's own point (see there).
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, Math.max(1, o.snapshotThreshold() / 2));
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, o.purgeGap());
        // Metadata entries (the commit index, appended after each commit) would double the entries to fsync.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        long election = o.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        // A leader that stepped down for lost heartbeats (it was frozen or cut off) stays out of elections for this
        // long; Ratis waits 10 s. When that member holds the longest log, no other can win meanwhile (they are
        // refused as less up to date), and the cluster had no leader for 10 s after each such step-down (the fault
        // suite's leader-pause and partition scenarios). Pre-vote already keeps it from disrupting a live leader.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, TimeDuration.valueOf(election,
                TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(
                Math.max(3000, o.requestTimeout().toMillis()), TimeUnit.MILLISECONDS));
        // After an error (a follower down, or one that answered INCONSISTENCY) the leader waits before sending to
        // it again; Ratis' default waits 1 s after ten errors and 5 s after thirty, so a follower restarted after
        // half a minute down spent 5 s per step of finding where its log matches (seen: 10 s without a leader).
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, "1ms,10, 100ms,100, 500ms,2000000000");
        // An entry must fit the appender's buffer, and the write buffer must exceed that by 8 bytes.
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("8MB"));

        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("16MB"));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(o.logSegmentBytes()));
        RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf("4MB"));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("32MB"));
        // Tuning hook for experiments: -Draftkv.ratis.<ratis key>=<value> overrides any Ratis server setting.
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("raftkv.ratis."))
                .forEach(k -> p.set(k.substring("raftkv.ratis.".length()), System.getProperty(k)));
        return p;
    }

    /**
     * What Ratis takes as objects rather than properties: the members' TLS. One configuration serves all of Ratis'
     * gRPC channels (server, client and admin services, and the channels a leader opens to its followers), so
     * every member-to-member connection is mutual TLS. Without peer TLS there are none (null), and Ratis stays
     * plaintext. The managers are handed on as they are, so a certificate swapped behind them reaches new
     * connections.
     */
    static Parameters parameters(RaftNodeOptions o) {
        if (o.peerTls() == null) {
            return null;
        }
        Parameters p = new Parameters();
        GrpcConfigKeys.TLS.setConf(p, new GrpcTlsConfig(o.peerTls().keyManager(), o.peerTls().trustManager(), true));
        return p;
    }

    static RaftProperties client(RaftNodeOptions o) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("32MB"));
        return p;
    }
}
