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

    /// <summary>
    /// The histogram as text, for merging the runs of several processes: each recorded bucket as "value:count",
    /// comma-separated (the values are the buckets' own, so recording them again lands in the same buckets).
    /// </summary>
    public string Encode() => string.Join(",", _histogram.RecordedValues().Select(v =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{v.ValueIteratedTo}:{v.CountAtValueIteratedTo}")));

    /// <summary>Adds the values of an <see cref="Encode"/>d histogram to this one.</summary>
    public void AddEncoded(string encoded)
    {
        foreach (var bucket in encoded.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var (value, count) = (bucket[..bucket.IndexOf(':')], bucket[(bucket.IndexOf(':') + 1)..]);
            _histogram.RecordValueWithCount(Math.Clamp(long.Parse(value, System.Globalization.CultureInfo.InvariantCulture), 1, MaxMicros),
                long.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public LatencySummary Summarize() => Count == 0
        ? new LatencySummary(0, 0, 0, 0, 0, 0, 0)
        : new LatencySummary(Count,
            Ms(_histogram.GetValueAtPercentile(50)), Ms(_histogram.GetValueAtPercentile(90)), Ms(_histogram.GetValueAtPercentile(99)),
            Ms(_histogram.GetValueAtPercentile(99.9)), Ms(_histogram.GetMaxValue()), Math.Round(_histogram.GetMean() / 1000.0, 3));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean);
