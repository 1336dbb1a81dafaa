using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;
using StackExchange.Redis;

namespace LivePoll.Tests.Feed;

/// <summary>
/// When the store loses its data (FLUSHALL, a restart without persistence), sequence numbers and poll versions begin
/// again. Every feed event, catch-up and snapshot carries an epoch, so connected readers reset and follow the new
/// state instead of dropping its "old" numbers; the relay notices without a restart.
/// </summary>
public sealed class StoreEpochTests
{
    [Fact]
    public async Task After_a_flushall_every_connected_reader_resets_and_follows_the_new_feed_and_polls()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var prefix = TestPrefix.New();
        var settings = new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix };
        await using var first = await LivePollServer.StartAsync(redis.Configuration, settings);
        await using var second = await LivePollServer.StartAsync(redis.Configuration, settings);

        var poll = await first.CreatePollAsync();
        await first.VoteHttpAsync(first.LoadTool, poll.PollId, await first.NewVoterAsync(), "1");
        var readers = new List<Reader>();
        foreach (var node in new[] { first, second, first, second })
        {
            readers.Add(await Reader.ConnectAsync(node, poll.PollId));
        }
        var before = await PublishAsync(first, "Before the flush");
        foreach (var reader in readers)
        {
            await reader.Feed.WaitForAsync(e => e.Article.Id == before.Id, "the first article reaches every reader");
        }
        var oldEpoch = readers[0].Feed.Events[^1].Epoch;
        Assert.NotEmpty(oldEpoch);
        var oldSequence = readers[0].Feed.Events[^1].Sequence;
        var oldPollEpoch = readers[0].Subscribed!.Epoch;
        Assert.NotEmpty(oldPollEpoch);

        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true"))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync();
        }

        // New articles and a new poll under the same id after the wipe: numbers start again from 1.
        var after = await PublishAsync(second, "After the flush");
        var newPoll = await first.CreatePollAsync();
        Assert.Equal(poll.PollId, newPoll.PollId);
        Assert.NotEqual(oldPollEpoch, newPoll.Epoch);
        // The wipe took the voter keys too: a token the node signs in the moment before it reloads its key ring is refused
        // afterwards (InvalidVoter), as every token from before the wipe is. Vote until one is counted.
        await TimeoutExtensions.WaitUntilAsync(async () =>
            (await first.VoteHttpAsync(first.LoadTool, newPoll.PollId, await first.NewVoterAsync(), "2")).Outcome == VoteOutcome.Accepted,
            "a vote in the new poll is counted");

        foreach (var reader in readers)
        {
            await reader.Resets.WaitForAsync(r => r.Epoch != oldEpoch, "the reader is told the feed began again");
            // Ids begin again too (the store numbered them): the new "a1" is a different article from the old one.
            await reader.Feed.WaitForAsync(e => e.Article.Title == "After the flush", "the new article reaches the reader");
            var arrived = Assert.Single(reader.Feed.Events, e => e.Article.Title == "After the flush");
            Assert.NotEqual(oldEpoch, arrived.Epoch);
            Assert.True(arrived.Sequence <= oldSequence, "the new epoch numbers from the start");
            await reader.Polls.WaitForAsync(s => s.Epoch == newPoll.Epoch && s.Count("2") == 1, "the new poll's counts reach the reader");
        }

        // A reader that reconnects with the old numbers learns the new epoch from its catch-up.
        await using var late = await first.ConnectAsync();
        var catchUp = await late.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, oldSequence).DefaultTimeout();
        Assert.NotEqual(oldEpoch, catchUp.Epoch);
        var page = await first.Anonymous.GetFromJsonAsync<FeedPage>("/api/feed", PollTestKit.Json).DefaultTimeout();
        Assert.Equal(catchUp.Epoch, page!.Epoch);
        Assert.Equal(["After the flush"], page.Days.SelectMany(d => d.Items).Select(a => a.Title));

        foreach (var reader in readers)
        {
            await reader.Connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_redis_restarted_without_persistence_begins_a_new_epoch_that_readers_follow()
    {
        var redis = await RedisServerProcess.StartAsync();
        RedisServerProcess? restarted = null;
        try
        {
            await using var server = await LivePollServer.StartAsync(redis.Configuration);
            var reader = await Reader.ConnectAsync(server, pollId: null);
            var before = await PublishAsync(server, "Before the restart");
            await reader.Feed.WaitForAsync(e => e.Article.Id == before.Id, "the first article arrives");
            var oldEpoch = reader.Feed.Events[^1].Epoch;

            await redis.KillAsync();
            restarted = await RedisServerProcess.StartAsync(redis.Port);

            // Publishing waits for the store to come back; then the reader follows the new epoch.
            ArticleView? after = null;
            await TimeoutExtensions.WaitUntilAsync(async () =>
            {
                using var response = await server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "After the restart", Body = "<p>a</p>" });
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    return false;
                }
                after = await response.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json);
                return true;
            }, "the store takes writes again");
            await reader.Resets.WaitForAsync(r => r.Epoch != oldEpoch, "the reader is told the feed began again");
            await reader.Feed.WaitForAsync(e => e.Article.Id == after!.Id && e.Epoch != oldEpoch, "the new article arrives in the new epoch");
            await reader.Connection.DisposeAsync();
        }
        finally
        {
            await (restarted ?? redis).DisposeAsync();
            if (restarted is not null)
            {
                await redis.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_lost_tail_that_keeps_the_epoch_is_noticed_by_the_relay_and_begins_a_new_one()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var prefix = TestPrefix.New();
        await using var server = await LivePollServer.StartAsync(redis.Configuration, new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix });
        var reader = await Reader.ConnectAsync(server, pollId: null);
        await PublishAsync(server, "Kept");
        var lost = await PublishAsync(server, "Lost with the tail");
        await reader.Feed.WaitForAsync(e => e.Article.Title == "Lost with the tail", "both articles arrive");
        var epoch = reader.Feed.Events[^1].Epoch;

        // As if the store came back from a snapshot taken before the last write: the last event and its number are gone,
        // the epoch key is not.
        await using (var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration))
        {
            var db = direct.GetDatabase();
            await db.SortedSetRemoveRangeByScoreAsync($"{prefix}:{{feed}}:log", lost.Sequence, lost.Sequence);
            await db.StringDecrementAsync($"{prefix}:{{feed}}:seq");
        }
        var reused = await PublishAsync(server, "Same number, new story");
        Assert.Equal(lost.Sequence, reused.Sequence);

        await reader.Resets.WaitForAsync(r => r.Epoch != epoch, "the reader is told the feed began again");
        await reader.Feed.WaitForAsync(e => e.Article.Title == "Same number, new story" && e.Epoch != epoch, "the new story arrives in the new epoch");
        await reader.Connection.DisposeAsync();
    }

    [Fact]
    public async Task A_poll_whose_version_went_back_gets_a_new_epoch_and_readers_on_every_node_take_the_stored_counts()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var prefix = TestPrefix.New();
        var settings = new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix };
        await using var first = await LivePollServer.StartAsync(redis.Configuration, settings);
        await using var second = await LivePollServer.StartAsync(redis.Configuration, settings);
        var poll = await first.CreatePollAsync();
        var readers = new[] { await Reader.ConnectAsync(first, poll.PollId), await Reader.ConnectAsync(second, poll.PollId) };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(VoteOutcome.Accepted, (await first.VoteHttpAsync(first.LoadTool, poll.PollId, await first.NewVoterAsync(), "1")).Outcome);
        }
        foreach (var reader in readers)
        {
            await reader.Polls.WaitForAsync(s => s.TotalVoters == 3, "every reader sees 3 votes");
        }

        // As after a failover to a replica that had not received the last two votes: counts and version go back, the
        // poll's epoch is the same.
        await using (var direct = await ConnectionMultiplexer.ConnectAsync(redis.Configuration))
        {
            var db = direct.GetDatabase();
            await db.HashSetAsync(new LivePoll.Server.Storage.RedisKeys(prefix).PollCounts(poll.PollId), [new("1", 1), new("_total", 1), new("_version", 1)]);
        }

        // Pages keep the highest version they saw within an epoch: only a new epoch makes them take the lower counts.
        foreach (var reader in readers)
        {
            await reader.Polls.WaitForAsync(s => s.TotalVoters == 1 && s.Epoch != poll.Epoch, "every reader gets the stored count under a new epoch");
        }
        var renewed = readers[0].Polls.Events[^1].Epoch;
        Assert.Equal(renewed, readers[1].Polls.Events[^1].Epoch);
        Assert.Equal(renewed, (await second.GetPollAsync(poll.PollId)).Epoch);

        // Later votes count on from the stored state in the new epoch.
        Assert.Equal(VoteOutcome.Accepted, (await second.VoteHttpAsync(second.LoadTool, poll.PollId, await second.NewVoterAsync(), "2")).Outcome);
        foreach (var reader in readers)
        {
            await reader.Polls.WaitForAsync(s => s.TotalVoters == 2 && s.Epoch == renewed, "the next vote reaches every reader in the new epoch");
            await reader.Connection.DisposeAsync();
        }
    }

    private static async Task<ArticleView> PublishAsync(LivePollServer server, string title)
    {
        using var response = await server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = title, Body = "<p>x</p>" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
    }

    private sealed record Reader(HubConnection Connection, EventRecorder<FeedEvent> Feed, EventRecorder<FeedReset> Resets, EventRecorder<PollSnapshot> Polls)
    {
        /// <summary>The snapshot SubscribePoll answered with.</summary>
        public PollSnapshot? Subscribed { get; private set; }

        public static async Task<Reader> ConnectAsync(LivePollServer server, string? pollId)
        {
            var connection = server.CreateHubConnection(WireProtocol.MessagePack);
            var reader = new Reader(connection, new EventRecorder<FeedEvent>(connection, ClientEvents.FeedEvent),
                new EventRecorder<FeedReset>(connection, ClientEvents.FeedReset), new EventRecorder<PollSnapshot>(connection, ClientEvents.PollSnapshot));
            await connection.StartAsync().DefaultTimeout();
            await connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
            if (pollId is not null)
            {
                reader.Subscribed = await connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, pollId).DefaultTimeout();
            }
            return reader;
        }
    }
}
