using System.ComponentModel.DataAnnotations;

namespace LivePoll.Server.Storage;

/// <summary>Where LivePoll keeps its counters and how its keys and channels are named (section <c>Redis</c>).</summary>
public sealed class StoreOptions
{
    public const string Section = "Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string (<c>host:port,password=…,ssl=true</c>). Empty: the server
    /// starts an embedded Garnet on a free loopback port and uses that.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key LivePoll writes, so several deployments can share one Redis.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_.-]{1,32}$", ErrorMessage = "Redis:KeyPrefix must be 1-32 letters, digits, '_', '.' or '-'.")]
    public string KeyPrefix { get; set; } = "lp";

    /// <summary>Prefix of the SignalR backplane's pub/sub channels, apart from LivePoll's own channels.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_.:-]{1,64}$", ErrorMessage = "Redis:BackplaneChannelPrefix must be 1-64 letters, digits, '_', '.', ':' or '-'.")]
    public string BackplaneChannelPrefix { get; set; } = "lp-signalr";

    /// <summary>Port for the embedded Garnet; 0 picks a free one. Ignored when <see cref="Configuration"/> is set.</summary>
    [Range(0, 65535)]
    public int EmbeddedPort { get; set; }

    /// <summary>How long a single store command may take before it fails (milliseconds).</summary>
    [Range(100, 60_000)]
    public int CommandTimeoutMs { get; set; } = 5_000;

    /// <summary>How long the first connection attempt may take at start-up; the server keeps retrying afterwards (milliseconds).</summary>
    [Range(100, 60_000)]
    public int ConnectTimeoutMs { get; set; } = 3_000;

    /// <summary>
    /// Acknowledge a vote or an article change only after this many replicas of its primary confirm they hold it
    /// (Redis WAIT), so that a failover keeps every acknowledged vote. 0 (default): acknowledged when the primary has
    /// it. Needs a Redis with replicas (a Redis Cluster, or a primary with replicas under Sentinel).
    /// </summary>
    [Range(0, 16)]
    public int AckAfterReplicas { get; set; }

    /// <summary>How long a write waits for its replicas before it is answered as not done (milliseconds).</summary>
    [Range(10, 10_000)]
    public int ReplicaAckTimeoutMs { get; set; } = 500;

    public bool UsesEmbeddedStore => string.IsNullOrWhiteSpace(Configuration);
}
