using System.Collections.Concurrent;
using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;
using LivePoll.Server.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Polls;

/// <summary>
/// Sends live poll results. Votes taken on this node mark their poll dirty; every interval the broadcaster
/// reads each dirty poll once and sends one snapshot to its subscribers (on every node, via the backplane),
/// so a surge of votes costs readers a few messages a second. State changes are sent at once.
/// Delivery is at most once per snapshot; snapshots carry a version so a client keeps the newest.
/// </summary>
public sealed class PollBroadcaster(
    PollStore store,
    IHubContext<LiveHub, ILiveClient> hub,
    IOptions<PollOptions> options,
    TimeProvider clock,
    LivePollMetrics metrics,
    ILogger<PollBroadcaster> logger) : PeriodicService(TimeSpan.FromMilliseconds(options.Value.SnapshotIntervalMs), clock)
{
    private readonly ConcurrentDictionary<string, byte> _dirty = new();

    /// <summary>Notes that a poll's counts changed; its subscribers get a snapshot within one interval.</summary>
    public void MarkDirty(string pollId) => _dirty.TryAdd(pollId, 0);

    /// <summary>Sends a poll's snapshot to all its subscribers now: it opened or closed.</summary>
    public async Task PublishStateChangeAsync(string pollId)
    {
        var poll = await store.GetAsync(pollId, Clock.GetUtcNow().UtcDateTime);
        if (poll is null)
        {
            return;
        }
        await hub.Clients.Group(PollGroups.Results(pollId)).PollSnapshot(poll.ToSnapshot(resultsVisible: true));
        await hub.Clients.Group(PollGroups.Blind(pollId)).PollSnapshot(
            poll.ToSnapshot(poll.ResultsVisibleTo(voted: false, newsroom: false)));
        metrics.RecordSnapshotsSent(2, "state");
    }

    protected override Task TickAsync(CancellationToken stoppingToken) => FlushAsync();

    // FlushAsync handles the store's errors per poll, marking it dirty again for the next tick.
    protected override void OnStoreError(Exception error) => PollLog.SnapshotFailed(logger, "(all)", error.Message);

    private async Task FlushAsync()
    {
        foreach (var pollId in _dirty.Keys)
        {
            // Removed before reading: a vote that lands during the read marks it dirty again for the next tick.
            _dirty.TryRemove(pollId, out _);
            try
            {
                var poll = await store.GetAsync(pollId, Clock.GetUtcNow().UtcDateTime);
                if (poll is not null)
                {
                    await hub.Clients.Group(PollGroups.Results(pollId)).PollSnapshot(poll.ToSnapshot(resultsVisible: true));
                    metrics.RecordSnapshotsSent(1, "votes");
                }
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                // The store is away: try again next tick rather than lose the update.
                _dirty.TryAdd(pollId, 0);
                PollLog.SnapshotFailed(logger, pollId, ex.Message);
            }
        }
    }
}
