using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Storage;

internal static class StoreServiceCollectionExtensions
{
    /// <summary>The store: options, the embedded Garnet when needed, the one multiplexer, keys and readiness.</summary>
    public static IServiceCollection AddLivePollStore(this IServiceCollection services)
    {
        services.AddOptions<StoreOptions>()
            .BindConfiguration(StoreOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => !(o.UsesEmbeddedStore && o.AckAfterReplicas > 0),
                "Redis:AckAfterReplicas needs Redis:Configuration naming a Redis with replicas: the embedded store has none.")
            .ValidateOnStart();

        services.AddOptions<EmbeddedStoreOptions>()
            .BindConfiguration(EmbeddedStoreOptions.Section)
            .Validate(o => !o.Embedded.Persist || !string.IsNullOrWhiteSpace(o.DataDirectory),
                "Store:DataDirectory is empty: name the folder for the embedded store's data, or set Store:Embedded:Persist=false to keep it in memory.")
            .Validate(o => o.Embedded.CheckpointIntervalSeconds is >= 0 and <= 86_400,
                "Store:Embedded:CheckpointIntervalSeconds must be between 0 (only when the server stops) and 86400 (a day).")
            .ValidateOnStart();

        services.AddSingleton(sp => StoreConnection.Create(
            sp.GetRequiredService<IOptions<StoreOptions>>(), sp.GetRequiredService<IOptions<EmbeddedStoreOptions>>().Value,
            sp.GetRequiredService<IHostEnvironment>().ContentRootPath, sp.GetRequiredService<ILoggerFactory>(),
            ServerListenPorts.From(sp.GetRequiredService<IConfiguration>())));
        services.AddSingleton(sp => sp.GetRequiredService<StoreConnection>().Multiplexer);
        services.AddSingleton<StoredRecords>();
        services.AddSingleton<WriteAcks>();
        services.AddSingleton(sp => new RedisKeys(sp.GetRequiredService<IOptions<StoreOptions>>().Value.KeyPrefix));

        // The newsroom sign-in cookie must open on every node and after a restart: the data-protection key ring
        // lives in the store, not in one process's memory.
        services.AddDataProtection().SetApplicationName("LivePoll");
        services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer, RedisKeys>((o, redis, keys) =>
            o.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), keys.DataProtectionKeys));

        // Connect (and start Garnet) as the host starts, not on the first request.
        services.AddHostedService<StoreWarmup>();

        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// The SignalR Redis backplane on the same store settings as <see cref="StoreConnection"/>, with its own
    /// channel prefix so its traffic never mixes with LivePoll's own channels. It carries group and all-client
    /// sends (tips, newsroom notices) between nodes; high-rate updates go node-locally (see Live/LocalConnections).
    /// </summary>
    public static ISignalRServerBuilder AddStoreBackplane(this ISignalRServerBuilder signalR)
    {
        signalR.AddStackExchangeRedis();
        signalR.Services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>()
            .Configure<StoreConnection, IOptions<StoreOptions>, Diagnostics.LivePollMetrics>((backplane, store, options, metrics) =>
            {
                backplane.Configuration = store.Settings.Clone();
                backplane.Configuration.ClientName = store.Settings.ClientName + "-backplane";
                backplane.Configuration.ChannelPrefix = RedisChannel.Literal(options.Value.BackplaneChannelPrefix + ":");
                // The backplane's own connection, made here so livepoll_backplane_up can tell whether it is up.
                var configuration = backplane.Configuration;
                backplane.ConnectionFactory = async log =>
                {
                    var connection = await ConnectionMultiplexer.ConnectAsync(configuration, log);
                    metrics.ObserveBackplane(() => connection.IsConnected);
                    return connection;
                };
            });
        return signalR;
    }

    /// <summary>Connects (and starts Garnet) as the host starts; takes the embedded store's checkpoint as it stops.</summary>
    private sealed class StoreWarmup(IServiceProvider services) : IHostedService
    {
        private StoreConnection? _store;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _store = services.GetRequiredService<StoreConnection>();
            var store = _store;
            services.GetRequiredService<Diagnostics.LivePollMetrics>().ObserveStore(() => store.Multiplexer.IsConnected);
            return Task.CompletedTask;
        }

        // Hosted services stop in reverse order, so this runs after the ones that write (polls, feed) have stopped.
        public Task StopAsync(CancellationToken cancellationToken) => _store?.CheckpointAsync() ?? Task.CompletedTask;
    }
}
