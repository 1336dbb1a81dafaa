using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>
/// A reader of the live feed: counts each article of this run it receives (published events), remembers the
/// last sequence it saw, and catches up with SubscribeFeed(last) after any reconnect, as a page does.
/// </summary>
internal sealed class FeedReader
{
    private readonly Dictionary<string, (int Count, long FirstAt)> _received = [];
    private readonly Target _target;
    private readonly int _index;
    private readonly string _tag;
    private readonly RunMeter _meter;
    private long _lastSequence;

    private FeedReader(Target target, int index, string tag, RunMeter meter)
    {
        _target = target;
        _index = index;
        _tag = tag;
        _meter = meter;
    }

    public HubConnection? Connection { get; private set; }

    public static async Task<FeedReader> StartAsync(Target target, int index, string tag, RunMeter meter, CancellationToken cancellationToken)
    {
        var reader = new FeedReader(target, index, tag, meter);
        await reader.ConnectAsync(null, cancellationToken);
        return reader;
    }

    /// <summary>Drops the connection and comes back with a new one, catching up from the last sequence seen.</summary>
    public async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
            Interlocked.Increment(ref _meter.Disconnects);
        }
        await ConnectAsync(Interlocked.Read(ref _lastSequence), cancellationToken);
        Interlocked.Increment(ref _meter.Reconnects);
    }

    public (int Articles, int Duplicates, IReadOnlyDictionary<string, long> FirstAt) Received()
    {
        lock (_received)
        {
            return (_received.Count, _received.Values.Sum(r => r.Count - 1), _received.ToDictionary(r => r.Key, r => r.Value.FirstAt));
        }
    }

    public bool Has(IEnumerable<string> articleIds)
    {
        lock (_received)
        {
            return articleIds.All(_received.ContainsKey);
        }
    }

    private async Task ConnectAsync(long? after, CancellationToken cancellationToken)
    {
        var connection = await _target.ConnectAsync(_index, _meter, cancellationToken);
        connection.On<FeedEvent>(ClientEvents.FeedEvent, Handle);
        connection.Reconnected += async _ =>
        {
            try
            {
                Apply(await connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)Interlocked.Read(ref _lastSequence)));
            }
            catch (Exception ex)
            {
                _meter.Error(ex);
            }
        };
        Apply(await connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, after, cancellationToken));
        Connection = connection;
    }

    private void Apply(FeedCatchUp catchUp)
    {
        foreach (var feedEvent in catchUp.Events)
        {
            Handle(feedEvent);
        }
        if (catchUp.LastSequence > Interlocked.Read(ref _lastSequence))
        {
            Interlocked.Exchange(ref _lastSequence, catchUp.LastSequence);
        }
    }

    private void Handle(FeedEvent feedEvent)
    {
        var at = Latency.Now;
        lock (_received)
        {
            // Events at or before the last sequence seen were delivered already (or by catch-up).
            if (feedEvent.Sequence <= _lastSequence)
            {
                return;
            }
            _lastSequence = feedEvent.Sequence;
            Interlocked.Increment(ref _meter.FeedEvents);
            if (feedEvent.Kind != FeedEventKind.Published || !feedEvent.Article.Title.StartsWith(_tag, StringComparison.Ordinal))
            {
                return;
            }
            _received[feedEvent.Article.Id] = _received.TryGetValue(feedEvent.Article.Id, out var seen) ? (seen.Count + 1, seen.FirstAt) : (1, at);
        }
    }
}
