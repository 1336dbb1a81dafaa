using System.Collections.Concurrent;
using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;
using LivePoll.Server.Live;
using LivePoll.Server.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Polls;

/// <summary>
/// Sends live poll results. Votes taken on this node mark their poll dirty; every interval the broadcaster
/// reads each dirty poll once and sends one snapshot to its subscribers (on every node, via the backplane),
/// so a surge of votes costs readers a few messages a second. State changes are sent at once.
/// Delivery is at most once per snapshot; snapshots carry a version so a client keeps the newest. When this
/// node's backplane subscription comes back after the store was away, the snapshots it may have missed are
/// sent again for every poll that was followed or voted on here lately.
/// </summary>
public sealed class PollBroadcaster : PeriodicService
{
    /// <summary>How long a poll counts as "followed lately" after its last subscribe or flush here.</summary>
    private static readonly TimeSpan RecentFor = TimeSpan.FromHours(1);

    /// <summary>When to send again after the backplane is back: its subscriptions are restored just after.</summary>
    private static readonly TimeSpan[] ResendAfter = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    private readonly ConcurrentDictionary<string, byte> _dirty = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _recent = new();
    private readonly PollStore _store;
    private readonly IHubContext<LiveHub, ILiveClient> _hub;
    private readonly LivePollMetrics _metrics;
    private readonly ILogger<PollBroadcaster> _logger;

    public PollBroadcaster(
        PollStore store,
        IHubContext<LiveHub, ILiveClient> hub,
        IOptions<PollOptions> options,
        TimeProvider clock,
        LivePollMetrics metrics,
        ILogger<PollBroadcaster> logger,
        BackplaneEvents backplane) : base(TimeSpan.FromMilliseconds(options.Value.SnapshotIntervalMs), clock)
    {
        _store = store;
        _hub = hub;
        _metrics = metrics;
        _logger = logger;
        backplane.SubscriptionRestored += () => _ = ResendRecentAsync();
    }

    /// <summary>Notes that a poll's counts changed; its subscribers get a snapshot within one interval.</summary>
    public void MarkDirty(string pollId) => _dirty.TryAdd(pollId, 0);

    /// <summary>Notes that a connection on this node follows a poll, so its results are re-sent after a backplane outage.</summary>
    public void Followed(string pollId) => _recent[pollId] = Clock.GetUtcNow();

    private async Task ResendRecentAsync()
    {
        foreach (var wait in ResendAfter)
        {
            await Task.Delay(wait, Clock);
            var since = Clock.GetUtcNow() - RecentFor;
            foreach (var (pollId, seen) in _recent)
            {
                if (seen < since)
                {
                    _recent.TryRemove(pollId, out _);
                }
                else
                {
                    MarkDirty(pollId);
                }
            }
        }
    }

    /// <summary>Sends a poll's snapshot to all its subscribers now: it opened or closed.</summary>
    public async Task PublishStateChangeAsync(string pollId)
    {
        var poll = await _store.GetAsync(pollId, Clock.GetUtcNow().UtcDateTime);
        if (poll is null)
        {
            return;
        }
        await _hub.Clients.Group(PollGroups.Results(pollId)).PollSnapshot(poll.ToSnapshot(resultsVisible: true));
        await _hub.Clients.Group(PollGroups.Blind(pollId)).PollSnapshot(
            poll.ToSnapshot(poll.ResultsVisibleTo(voted: false, newsroom: false)));
        _metrics.RecordSnapshotSent("state", 0);
    }

    protected override Task TickAsync(CancellationToken stoppingToken) => FlushAsync();

    // FlushAsync handles the store's errors per poll, marking it dirty again for the next tick.
    protected override void OnStoreError(Exception error) => PollLog.SnapshotFailed(_logger, "(all)", error.Message);

    private async Task FlushAsync()
    {
        foreach (var pollId in _dirty.Keys)
        {
            // Removed before reading: a vote that lands during the read marks it dirty again for the next tick.
            _dirty.TryRemove(pollId, out _);
            Followed(pollId);
            try
            {
                var poll = await _store.GetAsync(pollId, Clock.GetUtcNow().UtcDateTime);
                if (poll is not null)
                {
                    await _hub.Clients.Group(PollGroups.Results(pollId)).PollSnapshot(poll.ToSnapshot(resultsVisible: true));
                    _metrics.RecordSnapshotSent("votes", 0);
                }
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                // The store is away: try again next tick rather than lose the update.
                _dirty.TryAdd(pollId, 0);
                PollLog.SnapshotFailed(_logger, pollId, ex.Message);
            }
        }
    }
}
