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

    /// <summary>The per-second timeline so far: acknowledged and failed votes and acknowledgement p99.</summary>
    public IReadOnlyList<TimelinePoint> Timeline(int seconds) => _seconds.Take(Math.Min(seconds, _seconds.Length))
        .Select((s, i) => new TimelinePoint(i, s.Acked, s.Failed, s.Latency.Count == 0 ? 0 : s.Latency.Summarize().P99, s.Latency.Count == 0 ? 0 : s.Latency.Summarize().P50))
        .ToList();

    private Second Current() => _seconds[Math.Min((int)ElapsedSeconds, _seconds.Length - 1)];

    private sealed class Second
    {
        public long Acked;
        public long Failed;
        public Latency Latency { get; } = new();
    }
}

/// <summary>One second of a run.</summary>
public sealed record TimelinePoint(int Second, long Acknowledged, long Failed, double AckP99Ms, double AckP50Ms);
