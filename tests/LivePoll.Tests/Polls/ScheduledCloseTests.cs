using LivePoll.Contracts;
using LivePoll.Server.Polls;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Polls;

/// <summary>
/// A scheduled close needs no announcement to reach readers: the node that applies it may die before it says anything,
/// and pub/sub may be down, yet every node sees the poll's version grow on its next check and sends the final results,
/// to readers who see counts and to those who were blind until the close.
/// </summary>
public sealed class ScheduledCloseTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task A_close_applied_by_a_node_that_dies_before_announcing_it_still_reaches_every_reader_with_the_final_results()
    {
        // Schedulers that never run by themselves: the test applies the close as a node would, and announces nothing.
        var settings = new Dictionary<string, string?> { ["Redis:KeyPrefix"] = TestPrefix.New(), ["Polls:ScheduleCheckIntervalMs"] = "60000" };
        await using var dying = await LivePollServer.StartAsync(store.Configuration, settings);
        await using var serving = await LivePollServer.StartAsync(store.Configuration, settings);

        // The close is an hour away; the dying node applies it as its clock would then, so nothing waits for real time.
        var closesAt = DateTime.UtcNow.AddHours(1);
        var poll = await serving.CreatePollAsync(visibility: ResultVisibility.AfterClose, closesAt: closesAt);
        for (var i = 0; i < 3; i++)
        {
            await serving.VoteHttpAsync(serving.LoadTool, poll.PollId, await serving.NewVoterAsync(), "2");
        }

        await using var blind = await serving.ConnectAsync(WireProtocol.MessagePack);
        await using var newsroom = await serving.ConnectAsync(apiKey: LivePollServer.ScreenKey);
        var blindSnapshots = new EventRecorder<PollSnapshot>(blind, ClientEvents.PollSnapshot);
        var newsroomSnapshots = new EventRecorder<PollSnapshot>(newsroom, ClientEvents.PollSnapshot);
        var hidden = await blind.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
        Assert.False(hidden.ResultsVisible);
        Assert.Null(hidden.TotalVoters);
        await newsroom.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();

        var applied = await dying.Services.GetRequiredService<PollStore>().ApplyDueScheduleAsync(closesAt.AddMilliseconds(100)).DefaultTimeout();
        Assert.Equal([poll.PollId], applied);
        // ...and the node dies here: no notice on pub/sub, no check of its own.
        await dying.DisposeAsync();

        await blindSnapshots.WaitForAsync(s => s.State == PollState.Closed && s.ResultsVisible && s.TotalVoters == 3, "the blind reader gets the final results");
        await newsroomSnapshots.WaitForAsync(s => s.State == PollState.Closed && s.Count("2") == 3, "the newsroom gets the close");
    }
}
