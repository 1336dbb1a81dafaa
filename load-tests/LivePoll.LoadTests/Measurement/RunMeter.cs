using System.Collections.Concurrent;
using System.Diagnostics;

namespace LivePoll.LoadTests.Measurement;

/// <summary>
/// Everything a run counts: votes by fate, connection events, latencies, and a per-second timeline of
/// throughput and acknowledgement latency for the report's charts.
/// </summary>
public sealed class RunMeter
{
    private long _started = Stopwatch.GetTimestamp();
    private readonly Second[] _seconds;

    public RunMeter(TimeSpan longestRun) =>
        _seconds = Enumerable.Range(0, (int)longestRun.TotalSeconds + 120).Select(_ => new Second()).ToArray();

    public long Sent;
    public long Acknowledged;
    public long Failed;
    public long NotSent;
    public long Connects;
    public long Disconnects;
    public long Reconnects;
    public long Errors;
    public long Snapshots;
    public long FeedEvents;

    public ConcurrentDictionary<string, long> Outcomes { get; } = new();
    public ConcurrentDictionary<string, long> ErrorKinds { get; } = new();
    public Latency AckLatency { get; } = new();
    public Latency VoteToReader { get; } = new();
    public Latency PublishToDelivery { get; } = new();

    public double ElapsedSeconds => Stopwatch.GetElapsedTime(_started).TotalSeconds;

    /// <summary>Starts the timeline's clock now: call when the load begins, after connecting and other set-up.</summary>
    public void StartClock() => _started = Stopwatch.GetTimestamp();

    public void VoteSent() => Interlocked.Increment(ref Sent);

    public void VoteAnswered(string outcome, long startTimestamp, long endTimestamp)
    {
        Interlocked.Increment(ref Acknowledged);
        Outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        AckLatency.Record(startTimestamp, endTimestamp);
        var second = Current();
        Interlocked.Increment(ref second.Acked);
        second.Latency.Record(startTimestamp, endTimestamp);
    }

    public void VoteFailed(Exception error)
    {
        Interlocked.Increment(ref Failed);
        Interlocked.Increment(ref Current().Failed);
        Error(error);
    }

    public void Error(Exception error)
    {
        Interlocked.Increment(ref Errors);
        var kind = error.GetType().Name + ": " + (error.Message.Length > 80 ? error.Message[..80] : error.Message);
        ErrorKinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    /// <summary>An accepted vote (answered at <paramref name="answeredAt"/>) reached a sampled reader: in the total and in the vote's second.</summary>
    public void VoteReachedReader(long answeredAt, long heldAt)
    {
        VoteToReader.Record(answeredAt, heldAt);
        At(answeredAt).Delivery.Record(answeredAt, heldAt);
    }

    /// <summary>An article whose publish began at <paramref name="publishedAt"/> reached a reader: in the total and in its second.</summary>
    public void ArticleDelivered(long publishedAt, long deliveredAt)
    {
        PublishToDelivery.Record(publishedAt, deliveredAt);
        At(publishedAt).Delivery.Record(publishedAt, deliveredAt);
    }

    /// <summary>
    /// The per-second timeline so far: acknowledged and failed votes, acknowledgement p50/p99, and the delivery
    /// (vote-to-reader, or publish-to-delivery) p50/p99 of what was answered or published in that second.
    /// </summary>
    public IReadOnlyList<TimelinePoint> Timeline(int seconds) => _seconds.Take(Math.Min(seconds, _seconds.Length))
        .Select((s, i) =>
        {
            var ack = s.Latency.Count == 0 ? null : s.Latency.Summarize();
            var delivery = s.Delivery.Count == 0 ? null : s.Delivery.Summarize();
            return new TimelinePoint(i, s.Acked, s.Failed, ack?.P99 ?? 0, ack?.P50 ?? 0, delivery?.P99 ?? 0, delivery?.P50 ?? 0);
        })
        .ToList();

    private Second Current() => _seconds[Math.Min((int)ElapsedSeconds, _seconds.Length - 1)];

    private Second At(long timestamp) =>
        _seconds[Math.Clamp((int)((timestamp - _started) / (double)Stopwatch.Frequency), 0, _seconds.Length - 1)];

    private sealed class Second
    {
        public long Acked;
        public long Failed;
        public Latency Latency { get; } = new();
        public Latency Delivery { get; } = new();
    }
}

/// <summary>
/// One second of a run. Delivery is vote-to-reader in a surge (by the second the vote was answered) and
/// publish-to-delivery in a feed run (by the second the publish began); 0 when nothing was measured that second.
/// </summary>
public sealed record TimelinePoint(int Second, long Acknowledged, long Failed, double AckP99Ms, double AckP50Ms,
    double DeliveryP99Ms = 0, double DeliveryP50Ms = 0);
