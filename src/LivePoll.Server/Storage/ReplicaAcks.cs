using System.Diagnostics;
using LivePoll.Server.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// <c>Redis:AckAfterReplicas</c>: a vote (or an article change) is acknowledged only once that many replicas of the
/// primary that took it confirm they hold it (Redis <c>WAIT</c>), so a failover to one of them keeps it. Off (0) by
/// default: replication is asynchronous, and a primary that dies can take its last acknowledged writes with it.
/// </summary>
/// <remarks>
/// WAIT blocks only until the replicas answer (well under a millisecond on one network), but it holds the one
/// connection to that primary meanwhile, so every batch of votes costs one more round trip; VoteBatcher's batches
/// keep that to one WAIT per poll per round trip, not per vote. What it does not promise: the replica holds the
/// write in memory (not yet on disk), and a primary cut off from the others keeps taking writes until it notices
/// (<c>min-replicas-to-write</c> bounds that); README "Redis Cluster" says what remains.
/// </remarks>
public sealed class ReplicaAcks(IConnectionMultiplexer redis, IOptions<StoreOptions> options, LivePollMetrics metrics)
{
    public bool Enabled => options.Value.AckAfterReplicas > 0;

    /// <summary>
    /// Returns once <c>Redis:AckAfterReplicas</c> replicas hold every write made so far through the connection to the
    /// primary that owns <paramref name="key"/>; throws <see cref="ReplicaAckException"/> (a store outage to callers:
    /// nothing is acknowledged) when they do not confirm within <c>Redis:ReplicaAckTimeoutMs</c>. Does nothing when off.
    /// </summary>
    public async Task ConfirmAsync(RedisKey key)
    {
        if (!Enabled)
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
