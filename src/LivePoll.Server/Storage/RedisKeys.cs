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

    /// <summary>A pub/sub channel of LivePoll's own (not the SignalR backplane's).</summary>
    public RedisChannel Channel(string name) => RedisChannel.Literal($"{Prefix}:ch:{name}");
}
