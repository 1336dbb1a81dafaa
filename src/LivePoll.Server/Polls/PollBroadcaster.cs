using System.Collections.Concurrent;
using LivePoll.Server.Diagnostics;
using LivePoll.Server.Live;
using LivePoll.Server.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Polls;

/// <summary>
/// Sends live poll results from each node to its own connections. Each poll's followers on a node are dealt into
/// <c>Polls:FanOutSlices</c> slices (5), written one after another across the interval (<c>Polls:SnapshotIntervalMs</c>,
/// 100 ms): every 20 ms the node asks the store, for each poll its connections follow, whether the poll's version
/// grew, reading the poll only when it did, in one atomic script call per poll; then it writes the newest snapshot to
/// the followers of that slice that are behind (<see cref="PollAudience"/>). A reader thus waits for the next turn of
/// its own slice, as with one send per interval, but 10,000 readers are written in bursts of 2,000, not 10,000.
/// Guarantees: a vote counted on any node reaches readers on every node within one interval (plus the read); each
/// reader gets at most one snapshot per interval however many nodes take votes; versions only rise; once a poll stops
/// changing every follower ends on its newest snapshot. Nothing depends on a pub/sub message arriving: after a store
/// outage the next successful read catches every follower up. Opening and closing are also announced on a pub/sub
/// channel, so every node checks that poll at once rather than at its next tick.
/// Store cost per node: one script call per followed poll per slice (50 a second at the defaults), whatever the vote
/// rate and however many nodes there are; most answer with a number (no change) and read nothing else.
/// </summary>
public sealed class PollBroadcaster : BackgroundService
{
    /// <summary>How many polls one connection may follow at once (a page with an article's polls and a few more).</summary>
    public const int MaxFollowedPerConnection = 50;

    /// <summary>
    /// Work items waiting for the thread pool above which a slice waits for a later tick: the writes of earlier
    /// slices have not drained, so the node is out of CPU. Votes, subscriptions and acks then go first, and readers
    /// get fewer, never older, snapshots until the node catches up.
    /// </summary>
    private const int BacklogLimit = 512;

    private static readonly object FollowedKey = new();

    private readonly ConcurrentDictionary<string, PollAudience> _audiences = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<string> _urgent = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly PollStore _store;
    private readonly LocalConnections _connections;
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisChannel _stateChannel;
    private readonly TimeSpan _sliceInterval;
    private readonly int _slices;
    private int _slice;
    private readonly TimeProvider _clock;
    private readonly LivePollMetrics _metrics;
    private readonly ILogger<PollBroadcaster> _logger;
    private bool _storeFailing;
    private readonly SnapshotTraces _traces;

    public PollBroadcaster(PollStore store, LocalConnections connections, IConnectionMultiplexer redis, RedisKeys keys,
        IOptions<PollOptions> options, TimeProvider clock, LivePollMetrics metrics, ILogger<PollBroadcaster> logger, SnapshotTraces traces)
    {
        _traces = traces;
        _store = store;
        _connections = connections;
        _redis = redis;
        _stateChannel = keys.PollStateChannel;
        _slices = options.Value.FanOutSlices;
        _sliceInterval = TimeSpan.FromMilliseconds((double)options.Value.SnapshotIntervalMs / _slices);
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        metrics.ObserveOpenPolls(() => _audiences.Values.Count(a => a.IsOpen && !a.IsEmpty));
    }

    /// <summary>
    /// The caller's connection follows the poll from now on; it has just been given the snapshot of
    /// <paramref name="version"/>. Calling it again (e.g. now seeing the counts) replaces the earlier follow.
    /// </summary>
    public void Follow(HubCallerContext caller, string pollId, bool seesCounts, long version)
    {
        var connection = _connections.Find(caller.ConnectionId)
            ?? throw new HubException("This connection is closing; connect again to follow the poll.");
        var followed = Followed(caller);
        lock (followed)
        {
            if (!followed.Contains(pollId) && followed.Count >= MaxFollowedPerConnection)
            {
                throw new HubException($"A connection may follow at most {MaxFollowedPerConnection} polls at once; unsubscribe from one first.");
            }
            followed.Add(pollId);
        }
        lock (_gate)
        {
            _audiences.GetOrAdd(pollId, static (id, slices) => new PollAudience(id, slices), _slices).Follow(connection, seesCounts, version);
        }
    }

    /// <summary>Whether the caller follows the poll without seeing its counts (they are hidden from it).</summary>
    public bool IsBlind(HubCallerContext caller, string pollId) =>
        _audiences.TryGetValue(pollId, out var audience) && audience.IsBlind(caller.ConnectionId);

    /// <summary>The caller's connection stops following the poll.</summary>
    public void Unfollow(HubCallerContext caller, string pollId)
    {
        var followed = Followed(caller);
        lock (followed)
        {
            followed.Remove(pollId);
        }
        Leave(caller.ConnectionId, pollId);
    }

    /// <summary>The caller's connection has gone: it follows nothing any more.</summary>
    public void Forget(HubCallerContext caller)
    {
        if (caller.Items.TryGetValue(FollowedKey, out var value) && value is HashSet<string> followed)
        {
            string[] pollIds;
            lock (followed)
            {
                pollIds = [.. followed];
                followed.Clear();
            }
            foreach (var pollId in pollIds)
            {
                Leave(caller.ConnectionId, pollId);
            }
        }
    }

    /// <summary>
    /// A poll opened or closed (by the newsroom or its schedule): every node, this one included, checks it now
    /// instead of at its next tick. If the notice is lost, the next tick finds the change anyway.
    /// </summary>
    public async Task PublishStateChangeAsync(string pollId)
    {
        CheckSoon(pollId);
        try
        {
            await _redis.GetSubscriber().PublishAsync(_stateChannel, pollId);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Other nodes find the change at their next successful tick.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = SubscribeToStateChangesAsync(stoppingToken);
        using var timer = new PeriodicTimer(_sliceInterval, _clock);
        Task<bool>? tick = null;
        Task? wake = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                wake ??= _wake.WaitAsync(stoppingToken);
                var done = await Task.WhenAny(tick, wake);
                if (done == tick)
                {
                    if (!await tick)
                    {
                        return;
                    }
                    tick = null;
                    if (ThreadPool.PendingWorkItemCount > BacklogLimit)
                    {
                        // The same slice is tried again at the next tick, so every reader is still served in turn.
                        _metrics.RecordFanOutDeferred();
                        continue;
                    }
                    _slice = (_slice + 1) % _slices;
                    await CheckAsync(_audiences.Values, _slice);
                    if (_slice == 0)
                    {
                        RemoveEmptyAudiences();
                    }
                }
                else
                {
                    await wake;
                    wake = null;
                    var urgent = new HashSet<string>(StringComparer.Ordinal);
                    while (_urgent.TryDequeue(out var pollId))
                    {
                        urgent.Add(pollId);
                    }
                    // A state change goes to every slice at once.
                    await CheckAsync(urgent.Select(id => _audiences.GetValueOrDefault(id)).OfType<PollAudience>(), slice: null);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void CheckSoon(string pollId)
    {
        _urgent.Enqueue(pollId);
        _wake.Release();
    }

    private async Task CheckAsync(IEnumerable<PollAudience> audiences, int? slice)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        // One store call per poll, all in flight together (the multiplexer pipelines them).
        var checks = audiences.Select(audience => CheckAsync(audience, slice, now)).ToList();
        var failures = 0;
        Exception? failure = null;
        foreach (var check in checks)
        {
            try
            {
                await check;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store is away (or one poll's record is unreadable): the others go on, the next tick retries.
                failures++;
                failure = ex;
            }
        }
        if (failure is not null && !_storeFailing)
        {
            // Once per outage, not once per poll per tick: every tick retries by itself.
            _storeFailing = true;
            PollLog.SnapshotsFailing(_logger, failures, failure.Message);
        }
        else if (failure is null && _storeFailing && checks.Count > 0)
        {
            _storeFailing = false;
            PollLog.SnapshotsResumed(_logger);
        }
    }

    private async Task CheckAsync(PollAudience audience, int? slice, DateTime now)
    {
        var read = await _store.GetIfNewerAsync(audience.PollId, audience.Version, now, audience.Epoch);
        if (read.Poll is null && read.Exists && read.Version < audience.Version)
        {
            // The store's version went back under the same epoch: it lost the newest votes (a failover to a replica
            // that had not received them, a restart from an older file). Pages keep the highest version they saw, so
            // the poll gets a new epoch, which every node and page takes as "start from these counts".
            PollLog.VersionWentBack(_logger, audience.PollId, audience.Version, read.Version);
            await _store.RenewEpochAsync(audience.PollId, audience.Epoch);
            read = await _store.GetIfNewerAsync(audience.PollId, knownVersion: -1, now);
        }
        if (read.Poll is { } poll)
        {
            audience.Update(poll);
        }
        var (counts, blind, busy) = audience.Send(slice);
        if (LivePollTracing.Source.HasListeners())
        {
            _traces.StartSnapshot(audience.PollId, audience.Version, counts)?.Dispose();
        }
        if (counts > 0)
        {
            _metrics.RecordSnapshotSent("counts", counts);
        }
        if (blind > 0)
        {
            _metrics.RecordSnapshotSent("state", blind);
        }
        if (busy > 0)
        {
            _metrics.RecordFanOutBusy(busy);
        }
    }

    private async Task SubscribeToStateChangesAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _redis.GetSubscriber().SubscribeAsync(_stateChannel, (_, pollId) =>
                {
                    if (!pollId.IsNullOrEmpty)
                    {
                        CheckSoon(pollId.ToString());
                    }
                });
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Ticks still find every change; keep trying to hear about them sooner.
                PollLog.SnapshotsFailing(_logger, 0, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), _clock, stoppingToken);
            }
        }
    }

    private void Leave(string connectionId, string pollId)
    {
        lock (_gate)
        {
            if (_audiences.TryGetValue(pollId, out var audience))
            {
                audience.Unfollow(connectionId);
            }
        }
    }

    private void RemoveEmptyAudiences()
    {
        foreach (var (pollId, audience) in _audiences)
        {
            if (audience.IsEmpty)
            {
                lock (_gate)
                {
                    if (audience.IsEmpty)
                    {
                        _audiences.TryRemove(new KeyValuePair<string, PollAudience>(pollId, audience));
                    }
                }
            }
        }
    }

    private static HashSet<string> Followed(HubCallerContext caller)
    {
        lock (caller.Items)
        {
            if (!caller.Items.TryGetValue(FollowedKey, out var value) || value is not HashSet<string> followed)
            {
                caller.Items[FollowedKey] = followed = new HashSet<string>(StringComparer.Ordinal);
            }
            return followed;
        }
    }
}
