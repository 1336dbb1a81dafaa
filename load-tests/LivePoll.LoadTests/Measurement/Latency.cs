using System.Diagnostics;
using HdrHistogram;

namespace LivePoll.LoadTests.Measurement;

/// <summary>A thread-safe latency histogram in microseconds (1 µs to 5 minutes, 3 significant digits).</summary>
public sealed class Latency
{
    private const long MaxMicros = 300_000_000;
    private readonly LongConcurrentHistogram _histogram = new(1, MaxMicros, 3);

    public static long Now => Stopwatch.GetTimestamp();

    public void Record(long startTimestamp, long endTimestamp) => RecordMicros((endTimestamp - startTimestamp) * 1_000_000 / Stopwatch.Frequency);

    public void RecordMicros(long micros) => _histogram.RecordValue(Math.Clamp(micros, 1, MaxMicros));

    public long Count => _histogram.TotalCount;

    public LatencySummary Summarize() => Count == 0
        ? new LatencySummary(0, 0, 0, 0, 0, 0, 0)
        : new LatencySummary(Count,
            Ms(_histogram.GetValueAtPercentile(50)), Ms(_histogram.GetValueAtPercentile(90)), Ms(_histogram.GetValueAtPercentile(99)),
            Ms(_histogram.GetValueAtPercentile(99.9)), Ms(_histogram.GetMaxValue()), Math.Round(_histogram.GetMean() / 1000.0, 3));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean);
