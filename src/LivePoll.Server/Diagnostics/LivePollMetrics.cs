using System.Diagnostics.Metrics;
using LivePoll.Contracts;

namespace LivePoll.Server.Diagnostics;

/// <summary>How a hub call ended, for metrics.</summary>
public enum HubCallResult
{
    Ok,
    Refused,
    Failed,
}

/// <summary>How a vote reached the server, for metrics.</summary>
public enum VoteTransport
{
    Http,
    Hub,
}

/// <summary>
/// LivePoll's own meter ("LivePoll"), exported at /metrics beside ASP.NET Core's and SignalR's. Each
/// capability records its figures here, so every instrument and its name is in one place. Instrument
/// names are relative to the meter: Prometheus shows <c>store.latency</c> as <c>livepoll_store_latency</c>.
/// Figures that change on every vote or every delivered message are plain interlocked counts, read only when
/// /metrics is scraped (observable instruments): the hot paths pay an increment, not a measurement pipeline.
/// </summary>
public sealed class LivePollMetrics
{
    public const string MeterName = "LivePoll";

    /// <summary>
    /// Meters of ASP.NET Core that record on every request or every pooled buffer, and which /metrics leaves out:
    /// profiles of a vote surge showed them costing about a tenth of the server's CPU per vote, for figures that
    /// the request-duration histogram (kept) and LivePoll's own counters already tell.
    /// </summary>
    private static readonly string[] PerRequestMeters =
    [
        "Microsoft.AspNetCore.MemoryPool",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "Microsoft.AspNetCore.Routing",
    ];

    private static int _exportStarted;

    private readonly Histogram<double> _storeLatency;
    private readonly Histogram<double> _tallyInclusion;
    private readonly Counter<long> _snapshots;
    private readonly Counter<long> _feedEvents;
    private readonly Counter<long> _badRecords;
    private readonly Counter<long> _replicaAcksMissed;
    private const int Transports = 2;
    private static readonly VoteTransport[] AllTransports = [VoteTransport.Http, VoteTransport.Hub];

    private readonly long[] _votes = new long[Enum.GetValues<VoteOutcome>().Length * Transports];
    private long _snapshotDeliveries;
    private long _deferredSlices;
    private long _busySkips;
    private long _relayLag;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long[]> _hubCalls = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, double> _scheduleLag = new(StringComparer.Ordinal);
    private Func<bool>? _storeConnected;
    private Func<bool>? _backplaneConnected;
    private Func<int>? _openPolls;

    public LivePollMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _storeLatency = meter.CreateHistogram<double>(
            "store.latency", unit: "s", description: "Round-trip time of store operations, by operation (a vote batch is one 'vote').");
        _tallyInclusion = meter.CreateHistogram<double>("tally.inclusion.delay", unit: "s",
            description: "Per signed tally head: how long ago the oldest answer it newly covers was counted (vote to a signed, provable count).");
        meter.CreateObservableCounter("votes", ObserveVotes, description: "Votes answered, by outcome and transport.");
        _feedEvents = meter.CreateCounter<long>("feed.events", description: "Feed changes recorded, by kind.");
        _badRecords = meter.CreateCounter<long>("bad.records", description: "Records in the store that could not be read and were skipped, by kind.");
        _replicaAcksMissed = meter.CreateCounter<long>("replica.acks.missed",
            description: "Writes (vote batches, article changes) answered as not done because too few replicas confirmed them in time (Redis:AckAfterReplicas).");
        _snapshots = meter.CreateCounter<long>("snapshots.sent", description: "Poll snapshots this node sent to its subscribers of a poll, by reason.");
        meter.CreateObservableCounter("snapshots.delivered", () => Interlocked.Read(ref _snapshotDeliveries),
            description: "Poll snapshot messages this node wrote to its own connections (one per connection per snapshot).");
        meter.CreateObservableCounter("fanout.deferred", () => Interlocked.Read(ref _deferredSlices),
            description: "Fan-out turns put off because the node's thread pool was backed up (the node is out of CPU).");
        meter.CreateObservableCounter("fanout.busy", () => Interlocked.Read(ref _busySkips),
            description: "Readers a fan-out turn passed over because their previous snapshot was still being written (they wait a whole interval for the next).");
        meter.CreateObservableCounter("hub.invocations", ObserveHubCalls,
            description: "Hub method calls answered, by method and result (ok; refused: a HubException the caller can act on; failed: our error).");
        meter.CreateObservableGauge("store.up", () => _storeConnected is { } connected ? (connected() ? 1 : 0) : 1,
            description: "1 while this node's connection to the store is up, 0 while it is not.");
        meter.CreateObservableGauge("backplane.up", () => _backplaneConnected is { } connected ? (connected() ? 1 : 0) : 0,
            description: "1 while this node's SignalR backplane connection (tips and newsroom notices between nodes) is up, 0 while it is not or not yet made.");
        meter.CreateObservableGauge("polls.open.followed", () => _openPolls?.Invoke() ?? 0,
            description: "Open polls that readers on this node follow now (a poll that should be taking votes).");
        meter.CreateObservableGauge("feed.relay.lag", () => Interlocked.Read(ref _relayLag),
            description: "Feed events stored but not yet delivered by this node's relay, as of its last pass.");
        meter.CreateObservableGauge("schedule.lag", ObserveScheduleLag, unit: "s",
            description: "How overdue the oldest scheduled poll opening/closing or article publication still waiting is, by kind (0: none due).");
    }

    /// <summary>
    /// Starts exporting meters to prometheus-net's registry, served at /metrics: every meter but the runtime's
    /// private diagnostics and <see cref="PerRequestMeters"/>, with histogram buckets fine enough for
    /// sub-millisecond store calls.
    /// </summary>
    public static void StartPrometheusExport()
    {
        // Once per process: tests host several apps in one process, and a second adapter would count twice.
        if (Interlocked.Exchange(ref _exportStarted, 1) == 1)
        {
            return;
        }

        // prometheus-net's own adapter starts only at the first scrape and loses what was measured before,
        // so it is suppressed and ours starts now, for the life of the process. Its event-counter adapter is
        // suppressed too: the System.Runtime meter tells the same without an event listener in the process.
        Prometheus.Metrics.SuppressDefaultMetrics(new Prometheus.SuppressDefaultMetricOptions
        {
            SuppressMeters = true,
            SuppressEventCounters = true,
            SuppressDebugMetrics = true,
        });
        Prometheus.MeterAdapter.StartListening(new Prometheus.MeterAdapterOptions
        {
            InstrumentFilterPredicate = i => !i.Meter.Name.StartsWith("private.", StringComparison.OrdinalIgnoreCase)
                && !PerRequestMeters.Contains(i.Meter.Name) && i.Name != "http.server.active_requests",
            ResolveHistogramBuckets = _ => LatencyBuckets,
        });
    }

    // 50 µs to about 13 s, doubling.
    private static readonly double[] LatencyBuckets = Prometheus.Histogram.ExponentialBuckets(0.00005, 2, 19);

    public void RecordVote(VoteOutcome outcome, VoteTransport transport) =>
        Interlocked.Increment(ref _votes[(int)outcome * Transports + (int)transport]);

    public void RecordBadRecord(string kind) => _badRecords.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void RecordReplicaAckMissed() => _replicaAcksMissed.Add(1);

    public void RecordFeedEvent(FeedEventKind kind) =>
        _feedEvents.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));

    /// <summary>One snapshot of a poll sent to <paramref name="connections"/> of this node's connections.</summary>
    public void RecordSnapshotSent(string reason, int connections)
    {
        _snapshots.Add(1, new KeyValuePair<string, object?>("reason", reason));
        Interlocked.Add(ref _snapshotDeliveries, connections);
    }

    /// <summary>A fan-out turn waited for the next tick: earlier writes had not drained.</summary>
    public void RecordFanOutDeferred() => Interlocked.Increment(ref _deferredSlices);

    /// <summary>A turn passed over readers whose previous write had not completed.</summary>
    public void RecordFanOutBusy(int connections) => Interlocked.Add(ref _busySkips, connections);

    /// <summary>Where <c>livepoll_store_up</c> reads whether the store is connected.</summary>
    public void ObserveStore(Func<bool> connected) => _storeConnected = connected;

    /// <summary>Where <c>livepoll_backplane_up</c> reads whether the SignalR backplane's connection is up.</summary>
    public void ObserveBackplane(Func<bool> connected) => _backplaneConnected = connected;

    /// <summary>Where <c>livepoll_polls_open_followed</c> reads how many open polls this node's readers follow.</summary>
    public void ObserveOpenPolls(Func<int> count) => _openPolls = count;

    /// <summary>The feed relay's backlog at the start of its latest pass: stored sequence minus delivered.</summary>
    public void RecordRelayLag(long events) => Interlocked.Exchange(ref _relayLag, Math.Max(0, events));

    /// <summary>How overdue the oldest due schedule entry of <paramref name="kind"/> ("poll", "article") was at its latest check.</summary>
    public void RecordScheduleLag(string kind, TimeSpan overdue) => _scheduleLag[kind] = Math.Max(0, overdue.TotalSeconds);

    /// <summary>A hub call ended: "ok", "refused" (HubException) or "failed".</summary>
    public void RecordHubCall(string method, HubCallResult result) =>
        Interlocked.Increment(ref _hubCalls.GetOrAdd(method, static _ => new long[3])[(int)result]);

    public void RecordTallyInclusionDelay(TimeSpan delay) => _tallyInclusion.Record(Math.Max(0, delay.TotalSeconds));

    public void RecordStoreLatency(TimeSpan elapsed, string operation) =>
        _storeLatency.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));

    private IEnumerable<Measurement<long>> ObserveHubCalls()
    {
        foreach (var (method, counts) in _hubCalls)
        {
            for (var result = 0; result < counts.Length; result++)
            {
                var count = Interlocked.Read(ref counts[result]);
                if (count > 0)
                {
                    yield return new Measurement<long>(count, new KeyValuePair<string, object?>("method", method),
                        new KeyValuePair<string, object?>("result", ((HubCallResult)result).ToString().ToLowerInvariant()));
                }
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveScheduleLag() =>
        _scheduleLag.Select(e => new Measurement<double>(e.Value, new KeyValuePair<string, object?>("kind", e.Key)));

    private IEnumerable<Measurement<long>> ObserveVotes()
    {
        foreach (var outcome in Enum.GetValues<VoteOutcome>())
        {
            foreach (var transport in AllTransports)
            {
                var count = Interlocked.Read(ref _votes[(int)outcome * Transports + (int)transport]);
                if (count > 0)
                {
                    yield return new Measurement<long>(count,
                        new KeyValuePair<string, object?>("outcome", outcome.ToString()),
                        new KeyValuePair<string, object?>("transport", transport == VoteTransport.Hub ? "hub" : "http"));
                }
            }
        }
    }
}
