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

    public static StoreConnection Create(IOptions<StoreOptions> options, ILogger<StoreConnection> logger)
    {
        var o = options.Value;
        EmbeddedGarnet? embedded = null;
        string configuration;
        if (o.UsesEmbeddedStore)
        {
            embedded = EmbeddedGarnet.Start(o.EmbeddedPort);
            configuration = embedded.Endpoint;
            StoreLog.EmbeddedStoreStarted(logger, embedded.Endpoint);
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
        return connection;
    }

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
