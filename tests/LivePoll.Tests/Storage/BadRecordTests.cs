using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;
using StackExchange.Redis;

namespace LivePoll.Tests.Storage;

/// <summary>
/// One malformed record in the store (a hand edit, a partial restore) is logged, counted and skipped: the background
/// services (feed relay, schedulers, fan-out) go on, pages and lists still answer, the host stays up.
/// </summary>
public sealed class BadRecordTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task Malformed_records_are_skipped_and_counted_and_everything_else_goes_on()
    {
        var prefix = TestPrefix.New();
        await using var server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
        {
            ["Redis:KeyPrefix"] = prefix,
            ["Feed:ScheduleCheckIntervalMs"] = "100",
            ["Polls:ScheduleCheckIntervalMs"] = "100",
        });
        await using var reader = await server.ConnectAsync();
        var feed = new EventRecorder<FeedEvent>(reader, ClientEvents.FeedEvent);
        await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
        var poll = await server.CreatePollAsync();

        await using (var redis = await ConnectionMultiplexer.ConnectAsync(store.Configuration))
        {
            var db = redis.GetDatabase();
            var due = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds();
            // A feed event that is not JSON, at the next sequence number.
            var sequence = await db.StringIncrementAsync($"{prefix}:{{feed}}:seq");
            await db.SortedSetAddAsync($"{prefix}:{{feed}}:log", "{not json", sequence);
            // An article in the feed and in the schedule whose record is garbage.
            await db.HashSetAsync($"{prefix}:{{feed}}:articles", "a999", "[1,2");
            await db.SortedSetAddAsync($"{prefix}:{{feed}}:index", "a999", sequence);
            await db.SortedSetAddAsync($"{prefix}:{{feed}}:schedule", "a999", due);
            // A tip, a poll definition and a poll schedule entry nobody can read.
            await db.HashSetAsync($"{prefix}:{{tips}}:all", "t999", "tip?");
            await db.SortedSetAddAsync($"{prefix}:{{tips}}:index", "t999", due);
            await db.HashSetAsync($"{prefix}:poll:{{broken}}:meta", [new("state", "open"), new("def", "{\"id\":")]);
            await db.SortedSetAddAsync($"{prefix}:polls", "broken", due);
            await db.SortedSetAddAsync($"{prefix}:polls:schedule", "sometime", due);
        }

        // The feed goes on past the bad event: the next good one reaches the reader.
        using (var published = await server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "After the bad record", Body = "<p>ok</p>" }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        }
        await feed.WaitForAsync(e => e.Article.Title == "After the bad record", "the next event arrives");

        // Lists and pages answer without the bad records.
        var page = await server.Anonymous.GetFromJsonAsync<FeedPage>("/api/feed", PollTestKit.Json).DefaultTimeout();
        Assert.Equal(["After the bad record"], page!.Days.SelectMany(d => d.Items).Select(a => a.Title));
        var catchUp = await server.Anonymous.GetFromJsonAsync<FeedCatchUp>("/api/feed/events?after=0", PollTestKit.Json).DefaultTimeout();
        Assert.True(catchUp!.Complete);
        Assert.Single(catchUp.Events);
        using (var tips = await server.Screen.GetAsync("/api/newsroom/tips").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, tips.StatusCode);
        }
        using (var broken = await server.Anonymous.GetAsync("/api/polls/broken").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.NotFound, broken.StatusCode);
        }
        using (var polls = await server.Screen.GetAsync("/api/newsroom/polls").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, polls.StatusCode);
        }
        await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();

        // Every kind was counted, and the host is still serving.
        await TimeoutExtensions.WaitUntilAsync(async () =>
        {
            var metrics = await server.Http.GetStringAsync("/metrics");
            return new[] { "feed event", "article", "tip", "poll", "poll schedule entry" }
                .All(kind => metrics.Contains($"livepoll_bad_records{{kind=\"{kind}\"", StringComparison.Ordinal));
        }, "each kind of bad record is counted: " + string.Join(" ", (await server.Http.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("livepoll_bad", StringComparison.Ordinal))));
        using var ready = await server.Anonymous.GetAsync("/health/ready").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
