using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Server.Feed;
using LivePoll.Server.Polls;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace LivePoll.Tests.Storage;

/// <summary>
/// The repair after an unclean stop of the embedded store: a poll whose last, unacknowledged vote batch the replay kept
/// only part of is counted again from its audit records (a whole poll and a seeded one are left as they are), and a
/// feed sequence number kept without its event is given back.
/// (Garnet replaying part of a script: load-tests/garnet-torn-script.sh; the kill -9 runs in EmbeddedPersistenceTests.)
/// </summary>
public sealed class TornBatchRepairTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task A_half_replayed_batch_is_counted_again_from_the_audit_records_and_whole_or_seeded_polls_are_left_alone()
    {
        await using var server = await LivePollServer.StartAsync(store.Configuration);
        var keys = server.Services.GetRequiredService<RedisKeys>();
        var redis = server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var polls = server.Services.GetRequiredService<PollStore>();

        var torn = await server.CreatePollAsync();
        var whole = await server.CreatePollAsync();
        foreach (var poll in new[] { torn, whole })
        {
            for (var i = 0; i < 10; i++)
            {
                var (status, _, _) = await server.VoteHttpAsync(poll.PollId, await server.NewVoterAsync(), poll.Options[i % 2].Id);
                Assert.Equal(200, status);
            }
        }
        var seededId = await polls.NextIdAsync();
        await polls.CreateAsync(new PollDefinition
        {
            Id = seededId,
            Question = "Seeded",
            Options = [new("1", "Yes"), new("2", "No")],
            ResultVisibility = ResultVisibility.Always,
            CreatedAt = DateTime.UtcNow,
        }, new Dictionary<string, long> { ["1"] = 300, ["2"] = 40 });

        // What a replay cut inside the next batch leaves: a voter written without its audit record, and one option's
        // increment without the total's.
        await redis.HashSetAsync(keys.PollVoters(torn.PollId), "ghost", torn.Options[0].Id);
        await redis.HashIncrementAsync(keys.PollCounts(torn.PollId), torn.Options[0].Id, 3);
        var wholeBefore = await redis.HashGetAllAsync(keys.PollCounts(whole.PollId));

        var repaired = await polls.RepairTornBatchesAsync();

        Assert.Equal([torn.PollId], repaired);
        var after = await server.GetPollAsNewsroomAsync(torn.PollId);
        Assert.Equal(10, after.TotalVoters);
        Assert.Equal([5L, 5L, 0L], after.Options.Select(o => o.Count ?? 0));
        Assert.False(await redis.HashExistsAsync(keys.PollVoters(torn.PollId), "ghost"));
        Assert.Equal(10, await redis.HashLengthAsync(keys.PollVoters(torn.PollId)));
        Assert.Equal(wholeBefore.OrderBy(e => e.Name.ToString()), (await redis.HashGetAllAsync(keys.PollCounts(whole.PollId))).OrderBy(e => e.Name.ToString()));
        var seeded = await server.GetPollAsNewsroomAsync(seededId);
        Assert.Equal([300L, 40L], seeded.Options.Select(o => o.Count ?? 0));
        Assert.Equal(340, seeded.TotalVoters);

        // Repaired polls agree with their records: a second pass finds nothing to do.
        Assert.Empty(await polls.RepairTornBatchesAsync());
    }

    [Fact]
    public async Task A_feed_sequence_number_kept_without_its_event_is_given_back_so_the_log_has_no_gap()
    {
        await using var server = await LivePollServer.StartAsync(store.Configuration);
        var keys = server.Services.GetRequiredService<RedisKeys>();
        var redis = server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var feed = server.Services.GetRequiredService<FeedStore>();
        async Task PublishAsync(string title)
        {
            using var published = await server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = title, Body = "<p>Text.</p>" });
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        }
        await PublishAsync("One");
        await PublishAsync("Two");
        var last = await feed.LastSequenceAsync();
        Assert.Equal(0, await feed.RepairTornSequenceAsync());

        // A publish cut by the crash after it took its number: the counter is one ahead of the log.
        await redis.StringIncrementAsync(keys.FeedSequence);
        Assert.Equal(1, await feed.RepairTornSequenceAsync());
        Assert.Equal(last, await feed.LastSequenceAsync());

        await PublishAsync("Three");
        var catchUp = (await server.Anonymous.GetFromJsonAsync<FeedCatchUp>("/api/feed/events?after=0", PollTestKit.Json))!;
        Assert.Equal(Enumerable.Range(1, catchUp.Events.Count).Select(i => (long)i), catchUp.Events.Select(e => e.Sequence));
        Assert.Equal(last + 1, catchUp.LastSequence);
    }
}
