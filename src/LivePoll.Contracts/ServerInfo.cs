using MessagePack;

namespace LivePoll.Contracts;

/// <summary>Which node answered and how its clock reads; lets a client see it is connected and to whom.</summary>
[MessagePackObject]
public sealed record ServerInfo
{
    /// <summary>The node's name (configuration <c>Node:Name</c>); differs between nodes behind a balancer.</summary>
    [Key("node")]
    public required string Node { get; init; }

    /// <summary>The server's version.</summary>
    [Key("version")]
    public required string Version { get; init; }

    /// <summary>
    /// The node's clock when it answered, in UTC. Wire times are <see cref="DateTime"/> in UTC so that
    /// MessagePack carries them as its timestamp type (a JavaScript <c>Date</c>) and JSON as ISO 8601.
    /// </summary>
    [Key("serverTime")]
    public required DateTime ServerTime { get; init; }
}
