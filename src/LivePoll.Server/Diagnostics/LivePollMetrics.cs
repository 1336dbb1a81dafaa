using System.Diagnostics.Metrics;

namespace LivePoll.Server.Diagnostics;

/// <summary>
/// LivePoll's own meter ("LivePoll"), exported at /metrics beside ASP.NET Core's and SignalR's. Each
/// capability records its figures here, so every instrument and its name is in one place. Instrument
/// names are relative to the meter: Prometheus shows <c>store.latency</c> as <c>livepoll_store_latency</c>.
/// </summary>
public sealed class LivePollMetrics
{
    public const string MeterName = "LivePoll";

    private static int _exportStarted;

    private readonly Histogram<double> _storeLatency;
    private readonly Counter<long> _votes;
    private readonly Counter<long> _snapshots;
    private readonly Counter<long> _feedEvents;

    public LivePollMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _storeLatency = meter.CreateHistogram<double>(
            "store.latency", unit: "s", description: "Round-trip time of store operations, by operation.");
        _votes = meter.CreateCounter<long>("votes", description: "Votes answered, by outcome and transport.");
        _feedEvents = meter.CreateCounter<long>("feed.events", description: "Feed changes recorded, by kind.");
        _snapshots = meter.CreateCounter<long>("snapshots.sent", description: "Poll snapshots sent to subscriber groups, by reason.");
    }

    /// <summary>
    /// Starts exporting meters to prometheus-net's registry, served at /metrics: every meter but the runtime's
    /// private diagnostics, with histogram buckets fine enough for sub-millisecond store calls.
    /// </summary>
    public static void StartPrometheusExport()
    {
        // Once per process: tests host several apps in one process, and a second adapter would count twice.
        if (Interlocked.Exchange(ref _exportStarted, 1) == 1)
        {
            return;
        }

        // prometheus-net's own adapter starts only at the first scrape and loses what was measured before,
        // so it is suppressed and ours starts now, for the life of the process.
        Prometheus.Metrics.SuppressDefaultMetrics(new Prometheus.SuppressDefaultMetricOptions { SuppressMeters = true });
        Prometheus.MeterAdapter.StartListening(new Prometheus.MeterAdapterOptions
        {
            InstrumentFilterPredicate = i => !i.Meter.Name.StartsWith("private.", StringComparison.OrdinalIgnoreCase),
            ResolveHistogramBuckets = _ => LatencyBuckets,
        });
    }

    // 50 µs to about 13 s, doubling.
    private static readonly double[] LatencyBuckets = Prometheus.Histogram.ExponentialBuckets(0.00005, 2, 19);

    public void RecordVote(Contracts.VoteOutcome outcome, string transport) =>
        _votes.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()), new KeyValuePair<string, object?>("transport", transport));

    public void RecordFeedEvent(Contracts.FeedEventKind kind) =>
        _feedEvents.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));

    public void RecordSnapshotsSent(int count, string reason) =>
        _snapshots.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void RecordStoreLatency(TimeSpan elapsed, string operation) =>
        _storeLatency.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
}
