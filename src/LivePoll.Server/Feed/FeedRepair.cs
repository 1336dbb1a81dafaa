using LivePoll.Server.Storage;

namespace LivePoll.Server.Feed;

/// <summary>
/// Before the node serves anyone, after the embedded store replayed its append-only file (an unclean stop): gives back
/// a feed sequence number the replay kept without its event (<see cref="FeedStore.RepairTornSequenceAsync"/>), as
/// <see cref="Polls.PollRepair"/> does for polls.
/// </summary>
public sealed class FeedRepair(StoreConnection connection, FeedStore store, ILogger<FeedRepair> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (connection.Recovery is not { ReplayedRecords: > 0 })
        {
            return;
        }
        if (await store.RepairTornSequenceAsync() is > 0 and var givenBack)
        {
            FeedLog.TornSequenceRepaired(logger, givenBack, await store.LastSequenceAsync());
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
