using System.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// The one connection to the store, shared by every part of the server (StackExchange.Redis multiplexes all
/// commands over it). Owns the embedded Garnet when no Redis is configured, and stops it after the
/// connection is closed.
/// </summary>
public sealed class StoreConnection : IAsyncDisposable
{
    private readonly EmbeddedGarnet? _embedded;
    private readonly ILogger<StoreConnection> _logger;
    private volatile string? _lastFailure;

    private StoreConnection(ConfigurationOptions settings, EmbeddedGarnet? embedded, ILogger<StoreConnection> logger)
    {
        Settings = settings;
        _embedded = embedded;
        _logger = logger;
        Multiplexer = ConnectionMultiplexer.Connect(settings.Clone());
        Multiplexer.ConnectionFailed += OnConnectionFailed;
        Multiplexer.ConnectionRestored += OnConnectionRestored;
        Multiplexer.ErrorMessage += (_, e) => StoreLog.StoreError(_logger, e.Message);
        if (!Multiplexer.IsConnected)
        {
            _lastFailure = $"nothing answered at {Endpoint} within {settings.ConnectTimeout} ms";
            StoreLog.ConnectionFailed(_logger, Endpoint, "UnableToConnect", _lastFailure);
        }
    }

    /// <summary>The settings the multiplexer was made from; the SignalR backplane clones them.</summary>
    public ConfigurationOptions Settings { get; }

    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The store's address(es), without any password, for logs and health answers.</summary>
    public string Endpoint => string.Join(",", Settings.EndPoints.Select(e => e.ToString()));

    public bool IsEmbedded => _embedded is not null;

    /// <summary>Why the store last failed to answer, or null while it is connected.</summary>
    public string? LastFailure => Multiplexer.IsConnected ? null : _lastFailure;

    /// <summary>A connection to the configured Redis; with none configured, to an in-memory embedded Garnet.</summary>
    public static StoreConnection Create(IOptions<StoreOptions> options, ILogger<StoreConnection> logger) =>
        Create(options, new EmbeddedStoreOptions { Embedded = { Persist = false } }, AppContext.BaseDirectory, logger, null);

    /// <summary>
    /// A connection to the configured Redis; with none configured, to an embedded Garnet that keeps its data in
    /// <paramref name="embeddedOptions"/>' folder (relative to <paramref name="contentRoot"/>) unless told not to, on a port that is none of <paramref name="serverPorts"/> (this server's own HTTP ports).
    /// </summary>
    public static StoreConnection Create(IOptions<StoreOptions> options, EmbeddedStoreOptions embeddedOptions, string contentRoot, ILoggerFactory logs,
        IReadOnlySet<int>? serverPorts = null) =>
        Create(options, embeddedOptions, contentRoot, logs.CreateLogger<StoreConnection>(), logs, serverPorts);

    private static StoreConnection Create(IOptions<StoreOptions> options, EmbeddedStoreOptions embeddedOptions, string contentRoot,
        ILogger<StoreConnection> logger, ILoggerFactory? logs, IReadOnlySet<int>? serverPorts = null)
    {
        var o = options.Value;
        EmbeddedGarnet? embedded = null;
        string configuration;
        if (o.UsesEmbeddedStore)
        {
            var persistence = new EmbeddedPersistence(embeddedOptions.ResolveDataDirectory(contentRoot), embeddedOptions.Embedded.CheckpointIntervalSeconds);
            embedded = EmbeddedGarnet.Start(o.EmbeddedPort, persistence, logs, serverPorts);
            configuration = embedded.ConnectionString;
            if (embedded.DataDirectory is { } directory)
            {
                StoreLog.EmbeddedStoreStartedOnDisk(logger, embedded.Endpoint, directory);
            }
            else
            {
                StoreLog.EmbeddedStoreStarted(logger, embedded.Endpoint);
            }
        }
        else
        {
            configuration = o.Configuration!;
        }

        var settings = ConfigurationOptions.Parse(configuration);
        // Start even when the store is down, and keep reconnecting: readiness reports the outage instead
        // of the process dying in a crash loop.
        settings.AbortOnConnectFail = false;
        settings.ConnectTimeout = o.ConnectTimeoutMs;
        settings.SyncTimeout = o.CommandTimeoutMs;
        settings.AsyncTimeout = o.CommandTimeoutMs;
        settings.ClientName ??= $"livepoll-{Environment.MachineName}-{Environment.ProcessId}";
        settings.ChannelPrefix = RedisChannel.Literal(o.KeyPrefix + ":");
        // The embedded store is this process's own: it may be told to take a checkpoint (SAVE) as the server stops.
        settings.AllowAdmin |= embedded?.DataDirectory is not null;
        // Nothing LivePoll does needs CONFIG or the tie-breaker key (it picks a primary among several listed ones that are
        // not a cluster): the client would otherwise try both on every connection, and a Redis ACL user with only
        // LivePoll's commands and keys (deploy/redis/users.acl) refuses and logs them. A configuration string that
        // names them (tiebreaker=…, $CONFIG=…, or any other command renaming) keeps its own.
        if (!configuration.Contains("tiebreaker", StringComparison.OrdinalIgnoreCase))
        {
            settings.TieBreaker = "";
        }
        if (!configuration.Contains('$'))
        {
            settings.CommandMap = CommandMap.Create(new HashSet<string> { "CONFIG" }, available: false);
        }

        var connection = new StoreConnection(settings, embedded, logger);
        if (embedded is null)
        {
            StoreLog.UsingRedis(logger, connection.Endpoint);
        }
        else if (embedded.Recovery is { } recovery)
        {
            connection.ReportRecovery(embedded.DataDirectory!, recovery);
        }
        return connection;
    }

    /// <summary>What the embedded store found in its folder, said once at start: never an empty store without a word.</summary>
    private void ReportRecovery(string directory, EmbeddedRecovery recovery)
    {
        if (!recovery.FolderHeldData)
        {
            StoreLog.EmbeddedStoreNew(_logger, directory);
            return;
        }
        var keys = Multiplexer.GetServers()[0].DatabaseSize();
        StoreLog.EmbeddedStoreRecovered(_logger, directory, keys, recovery.ReplayedRecords ?? 0, (long)recovery.Elapsed.TotalMilliseconds);
        if (recovery.TornTail is { } tornTail)
        {
            StoreLog.EmbeddedStoreTornTail(_logger, directory, tornTail);
        }
        if (keys == 0)
        {
            StoreLog.EmbeddedStoreRecoveredNothing(_logger, directory);
        }
    }

    /// <summary>
    /// Commits the embedded store's append-only file up to everything logged so far and returns once it is written;
    /// nothing to do for Redis or an in-memory store.
    /// </summary>
    public Task CommitAsync() => _embedded?.CommitAsync() ?? Task.CompletedTask;

    /// <summary>What the embedded store recovered from its folder at start, or null (Redis, in memory, or a new folder).</summary>
    public EmbeddedRecovery? Recovery => _embedded?.Recovery;

    /// <summary>The embedded store's data folder, or null when the store is Redis or in memory.</summary>
    public string? DataDirectory => _embedded?.DataDirectory;

    /// <summary>Round trip to the store; throws when it does not answer within the command timeout.</summary>
    public async Task<TimeSpan> PingAsync()
    {
        var started = Stopwatch.GetTimestamp();
        await Multiplexer.GetDatabase().PingAsync();
        return Stopwatch.GetElapsedTime(started);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        _lastFailure = $"{e.FailureType}: {e.Exception?.Message ?? "connection lost"}";
        StoreLog.ConnectionFailed(_logger, Endpoint, e.FailureType.ToString(), e.Exception?.Message ?? "connection lost");
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        _lastFailure = null;
        StoreLog.ConnectionRestored(_logger, Endpoint);
    }

    /// <summary>
    /// Takes a checkpoint of the embedded store when it keeps data on disk (as the server stops: the next start loads
    /// it instead of replaying the append-only file). Nothing to do for Redis or an in-memory store.
    /// </summary>
    public async Task CheckpointAsync()
    {
        if (_embedded?.DataDirectory is not { } directory || !Multiplexer.IsConnected)
        {
            return;
        }
        try
        {
            var started = Stopwatch.GetTimestamp();
            await SaveCheckpointAsync(Multiplexer);
            StoreLog.EmbeddedStoreCheckpointed(_logger, directory, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException)
        {
            StoreLog.EmbeddedStoreCheckpointFailed(_logger, directory, e.Message);
        }
    }

    /// <summary>
    /// A checkpoint of the embedded store behind <paramref name="redis"/> (SAVE), complete when it returns. Blocking is
    /// what its callers want: a stopping server, or a command that has the store to itself.
    /// </summary>
    public static async Task SaveCheckpointAsync(IConnectionMultiplexer redis)
    {
#pragma warning disable CS0618 // ForegroundSave blocks the store, which is the point here
        await redis.GetServers()[0].SaveAsync(SaveType.ForegroundSave);
#pragma warning restore CS0618
    }

    public async ValueTask DisposeAsync()
    {
        await Multiplexer.CloseAsync();
        Multiplexer.Dispose();
        if (_embedded is not null)
        {
            StoreLog.EmbeddedStoreStopping(_logger, _embedded.Endpoint);
            _embedded.Dispose();
        }
    }
}
