using System.Diagnostics;
using LivePoll.Server.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// What a write must reach before it is acknowledged, beyond the store's answer. On the embedded store on disk: its
/// append-only file (an in-process group commit: every write logged so far is committed together, and concurrent
/// callers share commits). With <c>Redis:AckAfterReplicas</c>: that many replicas of the primary that took it confirm
/// they hold it (Redis <c>WAIT</c>), so a failover to one of them keeps it; off (0) by default, since replication is
/// asynchronous and a primary that dies can take its last acknowledged writes with it.
/// </summary>
/// <remarks>
/// WAIT blocks only until the replicas answer (well under a millisecond on one network), but it holds the one
/// connection to that primary meanwhile, so every batch of votes costs one more round trip; VoteBatcher's batches
/// keep that to one WAIT per poll per round trip, not per vote. What it does not promise: the replica holds the
/// write in memory (not yet on disk), and a primary cut off from the others keeps taking writes until it notices
/// (<c>min-replicas-to-write</c> bounds that); README "Redis Cluster" says what remains.
/// </remarks>
public sealed class WriteAcks(IConnectionMultiplexer redis, StoreConnection store, IOptions<StoreOptions> options, LivePollMetrics metrics)
{
    public bool WaitsForReplicas => options.Value.AckAfterReplicas > 0;

    /// <summary>
    /// Returns once the write to <paramref name="key"/> the caller has had answered is durable as configured: in the
    /// embedded store's append-only file, and/or held by <c>Redis:AckAfterReplicas</c> replicas of the primary that owns
    /// the key; throws <see cref="ReplicaAckException"/> (a store outage to callers: nothing is acknowledged) when they
    /// do not confirm within <c>Redis:ReplicaAckTimeoutMs</c>. Does nothing on Redis without replicas to wait for.
    /// </summary>
    public async Task ConfirmAsync(RedisKey key)
    {
        if (store.DataDirectory is not null)
        {
            var committing = Stopwatch.GetTimestamp();
            await store.CommitAsync();
            metrics.RecordStoreLatency(Stopwatch.GetElapsedTime(committing), "aof-commit");
        }
        if (!WaitsForReplicas)
        {
            return;
        }
        var o = options.Value;
        var started = Stopwatch.GetTimestamp();
        // The same connection the write went over: WAIT counts replicas that have this connection's last write.
        var acknowledged = (long)await redis.GetServer(key).ExecuteAsync("WAIT", o.AckAfterReplicas, o.ReplicaAckTimeoutMs);
        metrics.RecordStoreLatency(Stopwatch.GetElapsedTime(started), "replica-ack");
        if (acknowledged < o.AckAfterReplicas)
        {
            metrics.RecordReplicaAckMissed();
            throw new ReplicaAckException(
                $"Only {acknowledged} of {o.AckAfterReplicas} replica(s) confirmed the write within {o.ReplicaAckTimeoutMs} ms, so it is not acknowledged.");
        }
    }
}

/// <summary>Replicas did not confirm a write in time: treated as a store outage (503, StoreUnavailable), so nothing is acknowledged.</summary>
public sealed class ReplicaAckException(string message) : RedisException(message);
