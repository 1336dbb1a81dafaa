using System.Diagnostics;
using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace LivePoll.Tests.Diagnostics;

/// <summary>
/// With a tracer listening (OpenTelemetry's in-memory exporter), one hub vote makes one trace: the <c>vote</c>, the
/// <c>store vote batch</c> that counted it (its child, linked to it), and the <c>poll snapshot</c> that carried its
/// version to a reader (the batch's child).
/// </summary>
public sealed class TracingTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task A_vote_its_store_call_and_the_snapshot_that_carried_it_are_one_trace()
    {
        var exported = new List<Activity>();
        using var tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(LivePollTracing.SourceName)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(exported)
            .Build();
        var prefix = TestPrefix.New();
        await using var server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix });
        // The tracer hears every server in this test process, and their first polls are all "1": this one gets an id of its own.
        await using (var direct = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(store.Configuration))
        {
            await direct.GetDatabase().StringSetAsync(new LivePoll.Server.Storage.RedisKeys(prefix).PollSequence, Random.Shared.NextInt64(1_000_000_000, 9_000_000_000));
        }
        var poll = await server.CreatePollAsync();

        var reader = await server.ConnectAsync(WireProtocol.MessagePack);
        var snapshots = new EventRecorder<PollSnapshot>(reader, ClientEvents.PollSnapshot);
        await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
        var voter = await server.ConnectAsync(WireProtocol.MessagePack);
        Assert.Equal(VoteOutcome.Accepted, (await voter.VoteHubAsync(poll.PollId, await server.NewVoterAsync(), "1")).Outcome);
        await snapshots.WaitForAsync(s => s.TotalVoters == 1, "the reader gets the vote");

        Activity? Find(string name)
        {
            lock (exported)
            {
                return exported.FirstOrDefault(a => a.DisplayName == name && (string?)a.GetTagItem("livepoll.poll_id") == poll.PollId);
            }
        }
        await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Find("vote") is not null && Find("store vote batch") is not null && Find("poll snapshot") is not null),
            "the vote's, the batch's and the snapshot's activities are exported");
        var vote = Find("vote")!;
        var batch = Find("store vote batch")!;
        var snapshot = Find("poll snapshot")!;

        Assert.Equal("Accepted", vote.GetTagItem("livepoll.vote.outcome"));
        Assert.Equal("hub", vote.GetTagItem("livepoll.transport"));
        Assert.Equal(vote.TraceId, batch.TraceId);
        Assert.Equal(vote.SpanId, batch.ParentSpanId);
        Assert.Contains(batch.Links, l => l.Context.SpanId == vote.SpanId);
        Assert.Equal(ActivityKind.Client, batch.Kind);
        Assert.Equal(vote.TraceId, snapshot.TraceId);
        Assert.Equal(batch.SpanId, snapshot.ParentSpanId);
        Assert.Equal(batch.GetTagItem("livepoll.poll.version"), snapshot.GetTagItem("livepoll.poll.version"));

        await reader.DisposeAsync();
        await voter.DisposeAsync();
    }
}
