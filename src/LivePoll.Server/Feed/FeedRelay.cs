using System.Collections.Concurrent;
using LivePoll.Contracts;
using LivePoll.Server.Live;
using LivePoll.Server.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Feed;

/// <summary>Settings of the live feed (section <c>Feed</c>).</summary>
public sealed class FeedOptions
{
    public const string Section = "Feed";

    /// <summary>
    /// How often each node reads the feed log even without a wake-up message (milliseconds), so a change whose
    /// pub/sub notice was lost (e.g. while Redis restarted) still reaches readers.
    /// </summary>
    public int RelayPollMs { get; set; } = 1_000;

    /// <summary>How often each node publishes scheduled articles that fell due (milliseconds).</summary>
    public int ScheduleCheckIntervalMs { get; set; } = 500;

    /// <summary>On the embedded store, publish the seed page's article and a few more across three days.</summary>
    public bool SeedDemoData { get; set; } = true;
}

/// <summary>
/// Delivers feed events to this node's subscribed connections: each event once, in sequence order. It reads
/// the feed log (the source of truth) after the last sequence it delivered whenever a publisher's pub/sub
/// notice wakes it, and on a timer besides; a connection that subscribes with a sequence number first gets
/// the events after it (catch-up) and then the live ones, with no gap and no duplicate in between.
/// </summary>
public sealed class FeedRelay(FeedStore store, ArticleViews views, IConnectionMultiplexer redis, RedisKeys keys,
    IHubContext<LiveHub, ILiveClient> hub, IOptions<FeedOptions> options, ILogger<FeedRelay> logger) : BackgroundService
{
    /// <summary>The most events one catch-up answer carries.</summary>
    public const int MaxCatchUp = 1_000;

    private readonly ConcurrentDictionary<string, byte> _subscribers = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private long _lastDelivered = -1;

    private RedisChannel Channel => keys.Channel("feed");

    /// <summary>Tells every node (this one included) that the feed has a new event.</summary>
    public async Task NotifyAsync(long sequence)
    {
        _wake.Release();
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel, sequence);
        }
        catch (RedisException)
        {
            // Other nodes find the event on their timer.
        }
    }

    /// <summary>
    /// Subscribes a connection: returns the events after <paramref name="afterSequence"/> up to the last one this
    /// node delivered; every later event reaches the connection live.
    /// </summary>
    public async Task<FeedCatchUp> SubscribeAsync(string connectionId, long? afterSequence)
    {
        await _gate.WaitAsync();
        try
        {
            if (_lastDelivered < 0)
            {
                _lastDelivered = await store.LastSequenceAsync();
            }
            var last = _lastDelivered;
            IReadOnlyList<FeedEvent> events = [];
            var complete = true;
            if (afterSequence is { } after && after < last)
            {
                events = await store.EventsAfterAsync(after, last, MaxCatchUp, views.View);
                complete = events.Count < MaxCatchUp && await store.LogCoversAsync(after);
            }
            _subscribers[connectionId] = 0;
            return new FeedCatchUp { Events = events, LastSequence = last, Complete = complete };
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Unsubscribe(string connectionId) => _subscribers.TryRemove(connectionId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SubscribeToNoticesAsync(stoppingToken);
        var interval = TimeSpan.FromMilliseconds(options.Value.RelayPollMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(interval, stoppingToken);
                await DeliverAsync();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                FeedLog.RelayFailed(logger, ex.Message);
            }
        }
    }

    private async Task SubscribeToNoticesAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await redis.GetSubscriber().SubscribeAsync(Channel, (_, _) => _wake.Release());
                return;
            }
            catch (RedisException ex)
            {
                // Delivery still works on the timer; keep trying to subscribe.
                FeedLog.RelayFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task DeliverAsync()
    {
        await _gate.WaitAsync();
        try
        {
            // Drain the wake-ups that this pass answers.
            while (_wake.CurrentCount > 0 && _wake.Wait(0))
            {
            }
            if (_lastDelivered < 0)
            {
                _lastDelivered = await store.LastSequenceAsync();
                return;
            }
            while (true)
            {
                var events = await store.EventsAfterAsync(_lastDelivered, null, 200, views.View);
                if (events.Count == 0)
                {
                    return;
                }
                foreach (var feedEvent in events)
                {
                    // A local connection's send is a local write; awaiting each event keeps every connection's order.
                    var ids = _subscribers.Keys.ToList();
                    await Task.WhenAll(ids.Select(id => hub.Clients.Client(id).FeedEvent(feedEvent)));
                    _lastDelivered = feedEvent.Sequence;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

internal static partial class FeedLog
{
    [LoggerMessage(3001, LogLevel.Warning, "Could not read the feed log; retrying: {Message}")]
    public static partial void RelayFailed(ILogger logger, string message);

    [LoggerMessage(3002, LogLevel.Warning, "Could not publish scheduled articles; retrying: {Message}")]
    public static partial void ScheduleFailed(ILogger logger, string message);

    [LoggerMessage(3003, LogLevel.Information, "Published the demo feed: the seed page's article and {Count} more.")]
    public static partial void DemoFeedSeeded(ILogger logger, int count);
}
