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

    /// <summary>
    /// Feed events a connection may have waiting to be written; a reader that falls this far behind is
    /// disconnected, reconnects and catches up, instead of holding everyone else up.
    /// </summary>
    public int MaxQueuedPerConnection { get; set; } = 1_000;

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
/// Each subscriber has its own queue and writer, so a slow reader delays nobody but itself.
/// </summary>
public sealed class FeedRelay(FeedStore store, ArticleViews views, IConnectionMultiplexer redis, RedisKeys keys,
    IHubContext<LiveHub, ILiveClient> hub, IOptions<FeedOptions> options, ILogger<FeedRelay> logger) : BackgroundService
{
    /// <summary>The most events one catch-up answer carries.</summary>
    public const int MaxCatchUp = 1_000;

    private readonly ConcurrentDictionary<string, Subscriber> _subscribers = new();
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
    public async Task<FeedCatchUp> SubscribeAsync(HubCallerContext connection, long? afterSequence)
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
            if (!_subscribers.ContainsKey(connection.ConnectionId))
            {
                _subscribers[connection.ConnectionId] = new Subscriber(connection, hub.Clients.Client(connection.ConnectionId), options.Value.MaxQueuedPerConnection);
            }
            return new FeedCatchUp { Events = events, LastSequence = last, Complete = complete };
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Unsubscribe(string connectionId)
    {
        if (_subscribers.TryRemove(connectionId, out var subscriber))
        {
            subscriber.Complete();
        }
    }

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
                    foreach (var subscriber in _subscribers.Values)
                    {
                        if (!subscriber.TryEnqueue(feedEvent))
                        {
                            FeedLog.SlowReader(logger, subscriber.ConnectionId);
                            Unsubscribe(subscriber.ConnectionId);
                            subscriber.Abort();
                        }
                    }
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

/// <summary>One local subscriber: its events in order, written one after another by its own pump.</summary>
internal sealed class Subscriber
{
    private readonly System.Threading.Channels.Channel<FeedEvent> _queue;
    private readonly HubCallerContext _connection;

    public Subscriber(HubCallerContext connection, ILiveClient client, int capacity)
    {
        _connection = connection;
        _queue = System.Threading.Channels.Channel.CreateBounded<FeedEvent>(
            new System.Threading.Channels.BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = System.Threading.Channels.BoundedChannelFullMode.Wait });
        _ = PumpAsync(client);
    }

    public string ConnectionId => _connection.ConnectionId;

    public bool TryEnqueue(FeedEvent feedEvent) => _queue.Writer.TryWrite(feedEvent);

    public void Complete() => _queue.Writer.TryComplete();

    public void Abort() => _connection.Abort();

    private async Task PumpAsync(ILiveClient client)
    {
        try
        {
            await foreach (var feedEvent in _queue.Reader.ReadAllAsync())
            {
                await client.FeedEvent(feedEvent);
            }
        }
        catch (Exception)
        {
            // The connection went away; its disconnect unsubscribes it.
        }
    }
}

internal static partial class FeedLog
{
    [LoggerMessage(3004, LogLevel.Warning, "Connection {ConnectionId} fell too far behind the feed and was disconnected; it will catch up when it reconnects.")]
    public static partial void SlowReader(ILogger logger, string connectionId);

    [LoggerMessage(3001, LogLevel.Warning, "Could not read the feed log; retrying: {Message}")]
    public static partial void RelayFailed(ILogger logger, string message);

    [LoggerMessage(3002, LogLevel.Warning, "Could not publish scheduled articles; retrying: {Message}")]
    public static partial void ScheduleFailed(ILogger logger, string message);

    [LoggerMessage(3003, LogLevel.Information, "Published the demo feed: the seed page's article and {Count} more.")]
    public static partial void DemoFeedSeeded(ILogger logger, int count);
}
