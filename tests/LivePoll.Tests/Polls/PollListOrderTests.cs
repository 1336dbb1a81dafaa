using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Polls;

/// <summary>
/// Polls made in the same millisecond tie in the store's index (scored by creation time): the newsroom's list is still
/// newest first, on Redis and on the embedded Garnet alike, so a store moved from one to the other lists the same.
/// </summary>
public abstract class PollListOrderTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        services: s => s.AddSingleton<TimeProvider>(new FrozenClock(DateTimeOffset.UtcNow)));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Polls_made_in_the_same_millisecond_are_listed_newest_first()
    {
        var made = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            made.Add((await _server.CreatePollAsync()).PollId);
        }

        var listed = await _server.Http.GetFromJsonAsync<List<PollSnapshot>>("/api/newsroom/polls", PollTestKit.Json).DefaultTimeout();

        Assert.Equal(Enumerable.Reverse(made), listed!.Select(p => p.PollId).Where(made.Contains));
    }

    /// <summary>A clock that does not move: every poll is made at the same instant.</summary>
    private sealed class FrozenClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}

public sealed class PollListOrderTestsOnRedis(RedisStoreFixture store) : PollListOrderTests<RedisStoreFixture>(store);

public sealed class PollListOrderTestsOnGarnet(GarnetStoreFixture store) : PollListOrderTests<GarnetStoreFixture>(store);
