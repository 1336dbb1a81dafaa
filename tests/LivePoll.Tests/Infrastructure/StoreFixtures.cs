using LivePoll.Server.Storage;

namespace LivePoll.Tests.Infrastructure;

/// <summary>A running store that tests share: a real redis-server, or an embedded Garnet.</summary>
public interface IStoreFixture
{
    /// <summary>Shown in test output, so a failure says which store it was.</summary>
    string Name { get; }

    /// <summary>A StackExchange.Redis configuration string for <c>Redis:Configuration</c>.</summary>
    string Configuration { get; }
}

/// <summary>A real redis-server from Debian, one per test class.</summary>
public sealed class RedisStoreFixture : IStoreFixture, IAsyncLifetime
{
    private RedisServerProcess? _server;

    public string Name => "redis-server";

    public string Configuration => _server?.Configuration ?? throw new InvalidOperationException("redis-server is not started.");

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>A real Redis Cluster (3 primaries, 3 replicas, Debian's redis-server), one per test class.</summary>
public sealed class RedisClusterStoreFixture : IStoreFixture, IAsyncLifetime
{
    public string Name => "redis-cluster";

    public RedisClusterProcess Cluster { get; private set; } = null!;

    public string Configuration => Cluster?.Configuration ?? throw new InvalidOperationException("The Redis Cluster is not started.");

    public async Task InitializeAsync() => Cluster = await RedisClusterProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

/// <summary>Microsoft Garnet in this test process, one per test class.</summary>
public sealed class GarnetStoreFixture : IStoreFixture, IAsyncLifetime
{
    private EmbeddedGarnet? _garnet;

    public string Name => "garnet";

    public string Configuration => _garnet?.ConnectionString ?? throw new InvalidOperationException("Garnet is not started.");

    public Task InitializeAsync()
    {
        _garnet = EmbeddedGarnet.Start();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _garnet?.Dispose();
        return Task.CompletedTask;
    }
}

public static class TestPrefix
{
    /// <summary>A key prefix of its own for each test, so tests sharing one store never see each other's keys.</summary>
    public static string New() => "t" + Guid.NewGuid().ToString("N")[..12];
}
