using System.Collections.Concurrent;
using LivePoll.Contracts;
using LivePoll.Server.Live;
using LivePoll.Server.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Feed;

/// <summary>
/// Delivers feed events to this node's subscribed connections: each event once, in sequence order. It reads
/// the feed log (the source of truth) after the last sequence it delivered whenever a publisher's pub/sub
/// notice wakes it, and on a timer besides; a connection that subscribes with a sequence number first gets
/// the events after it (catch-up) and then the live ones, with no gap and no duplicate in between.
/// An event waits only behind its own reader's pending write, so a slow reader delays nobody but itself, and one that
/// falls <see cref="FeedOptions.MaxQueuedPerConnection"/> events behind is disconnected (it reconnects and catches up).
/// </summary>
public sealed class FeedRelay(FeedStore store, ArticleViews views, IConnectionMultiplexer redis, RedisKeys keys,
    LocalConnections connections, IOptions<FeedOptions> options, ILogger<FeedRelay> logger, Diagnostics.LivePollMetrics metrics) : BackgroundService
{
    /// <summary>The most events one catch-up answer carries.</summary>
    public const int MaxCatchUp = 1_000;

    private readonly ConcurrentDictionary<string, Subscriber> _subscribers = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private long _lastDelivered = -1;
    private string? _epoch;
    private string? _lastNonce;

    private RedisChannel Channel => keys.FeedChannel;

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
            if (_lastDelivered < 0 || _epoch is null)
            {
                var position = await store.PositionAsync();
                (_epoch, _lastDelivered) = (position.Epoch, position.LastSequence);
            }
            var last = _lastDelivered;
            var epoch = _epoch;
            IReadOnlyList<FeedEvent> events = [];
            var complete = true;
            if (afterSequence is { } after && after < last)
            {
                var read = await store.EventsAfterAsync(after, last, MaxCatchUp, (stored, sequence) => views.View(stored, sequence) with { Epoch = epoch });
                events = read.Events;
                complete = read.Read < MaxCatchUp && await store.LogCoversAsync(after);
            }
            if (!_subscribers.ContainsKey(connection.ConnectionId))
            {
                var local = connections.Find(connection.ConnectionId)
                    ?? throw new HubException("This connection is closing; connect again to follow the feed.");
                _subscribers[connection.ConnectionId] = new Subscriber(connection, local, options.Value.MaxQueuedPerConnection);
            }
            return new FeedCatchUp { Events = events, LastSequence = last, Complete = complete, Epoch = epoch };
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

    /// <summary>Starts over in a new epoch: tells every subscriber to reload the feed, then delivers the new epoch's events from its first.</summary>
    private void Reset(string epoch, long lastSequence)
    {
        FeedLog.FeedReset(logger, _epoch ?? "", epoch, _lastDelivered, lastSequence);
        _epoch = epoch;
        _lastDelivered = 0;
        _lastNonce = null;
        Broadcast(new SerializedHubMessage(new InvocationMessage(ClientEvents.FeedReset, [new FeedReset { Epoch = epoch, LastSequence = lastSequence }])));
    }

    private void Broadcast(SerializedHubMessage message)
    {
        foreach (var subscriber in _subscribers.Values)
        {
            if (!subscriber.TryEnqueue(message))
            {
                FeedLog.SlowReader(logger, subscriber.ConnectionId);
                Unsubscribe(subscriber.ConnectionId);
                subscriber.Abort();
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
            var position = await store.PositionAsync(_lastDelivered);
            if (_lastDelivered < 0 || _epoch is null)
            {
                (_epoch, _lastDelivered) = (position.Epoch, position.LastSequence);
                return;
            }
            if (position.Epoch != _epoch)
            {
                // The store has a new epoch: it was wiped (or another node saw it lose data first).
                Reset(position.Epoch, position.LastSequence);
            }
            else if (_lastDelivered > 0 && (position.LastSequence < _lastDelivered || position.EventAt is null
                || (_lastNonce is not null && !position.EventAt.Contains(_lastNonce, StringComparison.Ordinal))))
            {
                // Same epoch, but the last event delivered is gone or is another one: the store lost its newest writes
                // (restarted from an older snapshot, failed over). Numbers would be reused: begin a new epoch.
                Reset(await store.RenewEpochAsync(_epoch), position.LastSequence);
            }
            metrics.RecordRelayLag(position.LastSequence - _lastDelivered);
            var epoch = _epoch;
            while (true)
            {
                (string Nonce, long Sequence)? newest = null;
                var read = await store.EventsAfterAsync(_lastDelivered, null, 200, (stored, sequence) =>
                {
                    newest = (stored.Nonce, sequence);
                    return views.View(stored, sequence) with { Epoch = epoch };
                });
                if (read.Read == 0)
                {
                    return;
                }
                foreach (var feedEvent in read.Events)
                {
                    // Serialized once per protocol for every subscriber on this node.
                    Broadcast(new SerializedHubMessage(new InvocationMessage(ClientEvents.FeedEvent, [feedEvent])));
                }
                // Past unreadable events too (logged and counted by the store): they must not stop the feed.
                _lastDelivered = read.Through;
                _lastNonce = newest is { } n && n.Sequence == read.Through ? n.Nonce : null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>
/// One local subscriber: its events in order. The relay writes an event straight into the connection when nothing of
/// this reader's is waiting (SignalR's own broadcast does the same), so the common case costs no extra thread-pool hop;
/// while a write is pending, later events queue (up to the capacity, past which the reader is too slow) and the
/// pending write's continuation drains them.
/// </summary>
internal sealed class Subscriber(HubCallerContext connection, HubConnectionContext local, int capacity)
{
    private readonly ConcurrentQueue<SerializedHubMessage> _queue = new();
    private int _queued;
    private int _draining;
    private volatile bool _completed;

    public string ConnectionId => connection.ConnectionId;

    /// <summary>False when the reader already has <c>capacity</c> events waiting, or has unsubscribed.</summary>
    public bool TryEnqueue(SerializedHubMessage feedEvent)
    {
        if (_completed)
        {
            return false;
        }
        if (Interlocked.Increment(ref _queued) > capacity)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }
        _queue.Enqueue(feedEvent);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = DrainAsync();
        }
        return true;
    }

    /// <summary>No more events are taken; those already queued are still written.</summary>
    public void Complete() => _completed = true;

    public void Abort() => connection.Abort();

    /// <summary>Writes the queued events one after another; runs on the relay's thread until a write has to wait.</summary>
    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                while (_queue.TryDequeue(out var feedEvent))
                {
                    Interlocked.Decrement(ref _queued);
                    var write = local.WriteAsync(feedEvent);
                    if (!write.IsCompletedSuccessfully)
                    {
                        await write;
                    }
                }
                Volatile.Write(ref _draining, 0);
                // An event queued after the queue looked empty and before the flag cleared is drained here.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
                {
                    return;
                }
            }
        }
        catch (Exception)
        {
            // The connection went away; its disconnect unsubscribes it. Events queued from now on count against the
            // capacity, so a connection that stays half-open is aborted as a slow reader.
        }
    }
}
