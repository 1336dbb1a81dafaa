using System.Buffers;
using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using MessagePack;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>
/// A reader of the live feed: counts each article of this run it receives (published events), remembers the
/// last sequence it saw, and catches up with SubscribeFeed(last) after any reconnect, as a page does.
/// </summary>
internal interface IFeedReader : IAsyncDisposable
{
    FeedLedger Ledger { get; }

    /// <summary>Drops the connection and comes back with a new one, catching up from the last sequence seen.</summary>
    Task ReconnectAsync(CancellationToken cancellationToken);

    /// <summary>A light reader when the protocol allows it (MessagePack), else one on the full SignalR client.</summary>
    static async Task<IFeedReader> StartAsync(Target target, int index, string tag, RunMeter meter, CancellationToken cancellationToken) =>
        target.LightClients
            ? await LightFeedReader.StartAsync(target, index, tag, meter, cancellationToken)
            : await FeedReader.StartAsync(target, index, tag, meter, cancellationToken);
}

/// <summary>What one reader received: each article of this run (by its title tag) with how often and when first, and the last sequence.</summary>
internal sealed class FeedLedger(string tag, RunMeter meter)
{
    private readonly Dictionary<string, (int Count, long FirstAt)> _received = [];
    private long _lastSequence;

    public long LastSequence => Interlocked.Read(ref _lastSequence);

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

    /// <summary>Notes a catch-up's last sequence (events up to it were delivered, or are in the catch-up).</summary>
    public void CaughtUpTo(long sequence)
    {
        lock (_received)
        {
            _lastSequence = Math.Max(_lastSequence, sequence);
        }
    }

    public void Handle(long sequence, bool published, string articleId, string title)
    {
        var at = Latency.Now;
        lock (_received)
        {
            // Events at or before the last sequence seen were delivered already (or by catch-up).
            if (sequence <= _lastSequence)
            {
                return;
            }
            _lastSequence = sequence;
            Interlocked.Increment(ref meter.FeedEvents);
            if (!published || !title.StartsWith(tag, StringComparison.Ordinal))
            {
                return;
            }
            _received[articleId] = _received.TryGetValue(articleId, out var seen) ? (seen.Count + 1, seen.FirstAt) : (1, at);
        }
    }
}

/// <summary>A feed reader on the official .NET SignalR client, decoding every event in full.</summary>
internal sealed class FeedReader : IFeedReader
{
    private readonly Target _target;
    private readonly int _index;
    private readonly RunMeter _meter;
    private HubConnection? _connection;

    private FeedReader(Target target, int index, string tag, RunMeter meter)
    {
        _target = target;
        _index = index;
        _meter = meter;
        Ledger = new FeedLedger(tag, meter);
    }

    public FeedLedger Ledger { get; }

    public static async Task<FeedReader> StartAsync(Target target, int index, string tag, RunMeter meter, CancellationToken cancellationToken)
    {
        var reader = new FeedReader(target, index, tag, meter);
        await reader.ConnectAsync(null, cancellationToken);
        return reader;
    }

    public async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            Interlocked.Increment(ref _meter.Disconnects);
        }
        await ConnectAsync(Ledger.LastSequence, cancellationToken);
        Interlocked.Increment(ref _meter.Reconnects);
    }

    public ValueTask DisposeAsync() => _connection?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task ConnectAsync(long? after, CancellationToken cancellationToken)
    {
        var connection = await _target.ConnectAsync(_index, _meter, cancellationToken);
        connection.On<FeedEvent>(ClientEvents.FeedEvent, Handle);
        connection.Reconnected += async _ =>
        {
            try
            {
                Apply(await connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)Ledger.LastSequence));
            }
            catch (Exception ex)
            {
                _meter.Error(ex);
            }
        };
        Apply(await connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, after, cancellationToken));
        _connection = connection;
    }

    private void Apply(FeedCatchUp catchUp)
    {
        foreach (var feedEvent in catchUp.Events)
        {
            Handle(feedEvent);
        }
        Ledger.CaughtUpTo(catchUp.LastSequence);
    }

    private void Handle(FeedEvent feedEvent) =>
        Ledger.Handle(feedEvent.Sequence, feedEvent.Kind == FeedEventKind.Published, feedEvent.Article.Id, feedEvent.Article.Title);
}

/// <summary>
/// A feed reader on a light hub connection (<see cref="LightHub"/>): of each event it reads the sequence, the kind and the article's
/// id and title, skipping the rest of the MessagePack.
/// </summary>
internal sealed class LightFeedReader : IFeedReader
{
    private readonly Target _target;
    private readonly int _index;
    private readonly RunMeter _meter;
    private ILightHubConnection? _connection;
    private bool _subscribed;

    private LightFeedReader(Target target, int index, string tag, RunMeter meter)
    {
        _target = target;
        _index = index;
        _meter = meter;
        Ledger = new FeedLedger(tag, meter);
    }

    public FeedLedger Ledger { get; }

    public static async Task<LightFeedReader> StartAsync(Target target, int index, string tag, RunMeter meter, CancellationToken cancellationToken)
    {
        var reader = new LightFeedReader(target, index, tag, meter);
        await reader.ConnectAsync(cancellationToken);
        return reader;
    }

    public async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            Interlocked.Increment(ref _meter.Disconnects);
        }
        await ConnectAsync(cancellationToken);
        Interlocked.Increment(ref _meter.Reconnects);
    }

    public ValueTask DisposeAsync() => _connection?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task ConnectAsync(CancellationToken cancellationToken) =>
        _connection = await LightHub.ConnectAsync(_target.HubUrl(_index), _target.ApiKey, _meter,
            (name, arguments) =>
            {
                if (name == ClientEvents.FeedEvent)
                {
                    var args = new MessagePackReader(arguments);
                    args.ReadArrayHeader();
                    ReadEvent(ref args);
                }
            },
            async connection =>
            {
                // The first subscription starts from now; a later one (after a drop) from the last sequence seen.
                long? after = _subscribed ? Ledger.LastSequence : null;
                _subscribed = true;
                var catchUp = await connection.InvokeAsync(HubMethods.SubscribeFeed, [after], cancellationToken);
                ReadCatchUp(catchUp);
            },
            cancellationToken);

    private void ReadCatchUp(ReadOnlySequence<byte> catchUp)
    {
        var reader = new MessagePackReader(catchUp);
        var fields = reader.ReadMapHeader();
        long last = 0;
        for (var i = 0; i < fields; i++)
        {
            var key = MessagePackFields.ReadUtf8(ref reader);
            if (key.SequenceEqual("events"u8))
            {
                var events = reader.ReadArrayHeader();
                for (var e = 0; e < events; e++)
                {
                    ReadEvent(ref reader);
                }
            }
            else if (key.SequenceEqual("lastSequence"u8))
            {
                last = reader.ReadInt64();
            }
            else
            {
                reader.Skip();
            }
        }
        Ledger.CaughtUpTo(last);
    }

    private void ReadEvent(ref MessagePackReader reader)
    {
        long sequence = 0;
        var published = false;
        string id = "", title = "";
        var fields = reader.ReadMapHeader();
        for (var i = 0; i < fields; i++)
        {
            var key = MessagePackFields.ReadUtf8(ref reader);
            if (key.SequenceEqual("sequence"u8))
            {
                sequence = reader.ReadInt64();
            }
            else if (key.SequenceEqual("kind"u8))
            {
                published = MessagePackFields.ReadUtf8(ref reader).SequenceEqual("Published"u8);
            }
            else if (key.SequenceEqual("article"u8))
            {
                var articleFields = reader.ReadMapHeader();
                for (var a = 0; a < articleFields; a++)
                {
                    var articleKey = MessagePackFields.ReadUtf8(ref reader);
                    if (articleKey.SequenceEqual("id"u8))
                    {
                        id = reader.ReadString() ?? "";
                    }
                    else if (articleKey.SequenceEqual("title"u8))
                    {
                        title = reader.ReadString() ?? "";
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }
        Ledger.Handle(sequence, published, id, title);
    }
}
