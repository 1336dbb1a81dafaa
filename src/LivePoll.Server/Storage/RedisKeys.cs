using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// Builds every Redis key and pub/sub channel LivePoll uses, from one configurable prefix. Keys of one
/// poll share the hash tag <c>{id}</c>, so a script that touches several of them stays on one Redis
/// Cluster slot.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>A key used by readiness checks to prove the store takes writes.</summary>
    public RedisKey HealthProbe => $"{Prefix}:health";

    /// <summary>Hash of a poll's settings and state. Keys of one poll share the hash tag <c>{id}</c>.</summary>
    public RedisKey PollMeta(string pollId) => $"{Prefix}:poll:{{{pollId}}}:meta";

    /// <summary>Hash of a poll's counts: option id → votes, <c>_total</c> voters, <c>_version</c>.</summary>
    public RedisKey PollCounts(string pollId) => $"{Prefix}:poll:{{{pollId}}}:counts";

    /// <summary>Hash of who voted in a poll: voter id → chosen option ids.</summary>
    public RedisKey PollVoters(string pollId) => $"{Prefix}:poll:{{{pollId}}}:voters";

    /// <summary>Sorted set of every poll id by creation time.</summary>
    public RedisKey PollIndex => $"{Prefix}:polls";

    /// <summary>Counter that numbers new polls.</summary>
    public RedisKey PollSequence => $"{Prefix}:polls:seq";

    /// <summary>Sorted set of scheduled openings and closings ("open:id", "close:id") by due time.</summary>
    public RedisKey PollSchedule => $"{Prefix}:polls:schedule";

    /// <summary>The key that signs voter ids, shared by every node when none is configured.</summary>
    public RedisKey VoterSigningKey => $"{Prefix}:voters:signing-key";

    /// <summary>A pub/sub channel of LivePoll's own (not the SignalR backplane's).</summary>
    public RedisChannel Channel(string name) => RedisChannel.Literal($"{Prefix}:ch:{name}");
}
