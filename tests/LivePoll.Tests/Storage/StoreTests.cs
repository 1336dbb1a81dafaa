using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Tests.Storage;

/// <summary>
/// What LivePoll needs of its store, run against every store it supports: each subclass names one.
/// A feature that works on one and not the other fails here first.
/// </summary>
public abstract class StoreTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private StoreConnection _connection = null!;
    private readonly string _prefix = TestPrefix.New();

    public Task InitializeAsync()
    {
        _connection = StoreConnection.Create(
            Options.Create(new StoreOptions { Configuration = store.Configuration, KeyPrefix = _prefix }),
            NullLogger<StoreConnection>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    private IDatabase Db => _connection.Multiplexer.GetDatabase();

    [Fact]
    public async Task Connects_and_answers_ping()
    {
        Assert.True(_connection.Multiplexer.IsConnected, $"not connected to {store.Name}");
        Assert.Null(_connection.LastFailure);
        var latency = await _connection.PingAsync().DefaultTimeout();
        Assert.True(latency < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Keys_carry_the_configured_prefix()
    {
        var keys = new RedisKeys(_prefix);
        Assert.Equal($"{_prefix}:health", keys.HealthProbe.ToString());

        await Db.StringSetAsync(keys.HealthProbe, "ok").DefaultTimeout();
        Assert.Equal("ok", await Db.StringGetAsync($"{_prefix}:health").DefaultTimeout());
    }

    [Fact]
    public async Task Runs_a_server_side_script_atomically_on_hash_tagged_keys()
    {
        // The vote path is one Lua script over keys of one hash slot; both stores must run it.
        const string script = """
            if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return -1 end
            return redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
            """;
        RedisKey[] keys = [$"{_prefix}:poll:{{7}}:voters", $"{_prefix}:poll:{{7}}:counts"];

        var first = (long)await Db.ScriptEvaluateAsync(script, keys, ["voter-1", "opt-a"]).DefaultTimeout();
        var again = (long)await Db.ScriptEvaluateAsync(script, keys, ["voter-1", "opt-a"]).DefaultTimeout();
        var second = (long)await Db.ScriptEvaluateAsync(script, keys, ["voter-2", "opt-a"]).DefaultTimeout();

        Assert.Equal([1L, -1L, 2L], [first, again, second]);
        Assert.Equal(2, (long)await Db.HashGetAsync(keys[1], "opt-a").DefaultTimeout());
    }

    [Fact]
    public async Task Carries_pub_sub_on_LivePoll_channels()
    {
        var keys = new RedisKeys(_prefix);
        var channel = keys.FeedChannel;
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = _connection.Multiplexer.GetSubscriber();
        await subscriber.SubscribeAsync(channel, (_, message) => received.TrySetResult(message!)).DefaultTimeout();

        await subscriber.PublishAsync(channel, "hello").DefaultTimeout();

        Assert.Equal("hello", await received.Task.DefaultTimeout());
    }

    [Fact]
    public async Task Sorted_sets_and_expiry_work()
    {
        RedisKey key = $"{_prefix}:feed";
        await Db.SortedSetAddAsync(key, [new("a", 1), new("b", 2), new("c", 3)]).DefaultTimeout();
        var newest = await Db.SortedSetRangeByScoreAsync(key, start: 2, order: Order.Descending).DefaultTimeout();
        Assert.Equal(["c", "b"], newest.Select(v => v.ToString()));

        Assert.True(await Db.KeyExpireAsync(key, TimeSpan.FromMinutes(1)).DefaultTimeout());
        var ttl = await Db.KeyTimeToLiveAsync(key).DefaultTimeout();
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }
}

public sealed class StoreTestsOnRedis(RedisStoreFixture store) : StoreTests<RedisStoreFixture>(store);

public sealed class StoreTestsOnGarnet(GarnetStoreFixture store) : StoreTests<GarnetStoreFixture>(store);

public sealed class RedisClusterStoreTests(RedisClusterStoreFixture store) : StoreTests<RedisClusterStoreFixture>(store);
