using LivePoll.LoadTests.Measurement;

namespace LivePoll.LoadTests.Reporting;

/// <summary>The unit a series is measured in, which decides the units a threshold on it may be written in.</summary>
public enum SeriesUnit
{
    /// <summary>Milliseconds (latencies); thresholds may say ms, s, us or µs.</summary>
    Milliseconds,

    /// <summary>Microseconds (CPU per unit); thresholds may say us, µs or ms.</summary>
    Microseconds,

    /// <summary>A share from 0 to 1; thresholds may say 2% or 0.02.</summary>
    Share,

    /// <summary>A count or a rate, no unit.</summary>
    Number,
}

/// <summary>One measured value of a run, by the name thresholds and <c>compare</c> use.</summary>
public sealed record Series(string Name, SeriesUnit Unit, double? Value, string Meaning);

/// <summary>
/// Every series a run's report measures, named as thresholds (<c>--threshold "vote_to_reader.p99 &lt; 250ms"</c>) and
/// <c>compare --fail-on "cpu_per_vote +15%"</c> name them. A series the run did not measure (no readers, no CPU source)
/// has no value: a threshold on it fails, compare shows a dash.
/// </summary>
public static class RunSeries
{
    private static readonly string[] Percentiles = ["p50", "p90", "p99", "p999", "max", "mean"];

    public static IReadOnlyList<Series> Of(RunReport r)
    {
        var all = new List<Series>();
        Latency(all, "ack", r.AckLatency, "a vote's answer after it was sent");
        Latency(all, "vote_to_reader", r.VoteToReaderLatency, "a vote's effect reaching a reader");
        Latency(all, "publish_to_delivery", r.PublishToDeliveryLatency, "an article reaching a reader after it was published");
        var offered = r.Sent + r.NotSent;
        all.Add(new("sent", SeriesUnit.Number, r.Sent, "votes sent"));
        all.Add(new("acknowledged", SeriesUnit.Number, r.Acknowledged, "votes answered"));
        all.Add(new("failed", SeriesUnit.Number, r.Failed, "votes that failed (an error, no answer)"));
        all.Add(new("failed_share", SeriesUnit.Share, r.Sent > 0 ? (double)r.Failed / r.Sent : null, "failed votes among those sent"));
        all.Add(new("dropped", SeriesUnit.Number, r.NotSent, "votes due that could not be sent on time (open model)"));
        all.Add(new("dropped_share", SeriesUnit.Share, offered > 0 ? (double)r.NotSent / offered : null, "dropped votes among those due"));
        all.Add(new("errors", SeriesUnit.Number, r.Errors, "client errors of every kind"));
        all.Add(new("reconnects", SeriesUnit.Number, r.Reconnects, "reader reconnections"));
        all.Add(new("acknowledged_per_second", SeriesUnit.Number, r.HoldAcknowledgedPerSecond > 0 ? r.HoldAcknowledgedPerSecond : null,
            "votes answered per second while holding the rate"));
        all.Add(new("peak_acknowledged_per_second", SeriesUnit.Number, r.PeakAcknowledgedPerSecond > 0 ? r.PeakAcknowledgedPerSecond : null,
            "the best second"));
        all.Add(new("snapshots_per_reader_per_second", SeriesUnit.Number, r.SnapshotsPerReaderPerSecond > 0 ? r.SnapshotsPerReaderPerSecond : null,
            "poll snapshots each reader got per second"));
        all.Add(new("cpu_per_vote", SeriesUnit.Microseconds, r.Cpu?.ServerMicrosPerVote, "server CPU per acknowledged vote"));
        all.Add(new("cpu_per_message", SeriesUnit.Microseconds, r.Cpu?.ServerMicrosPerDelivered, "server CPU per delivered message"));
        all.Add(new("server_cores", SeriesUnit.Number, r.Cpu?.ServerCores, "server cores busy in the window"));
        all.Add(new("tool_cpu_per_vote", SeriesUnit.Microseconds, r.Cpu?.ToolMicrosPerVote, "this tool's CPU per acknowledged vote"));
        all.Add(new("tool_cpu_per_message", SeriesUnit.Microseconds, r.Cpu?.ToolMicrosPerDelivered, "this tool's CPU per delivered message"));
        return all;
    }

    private static readonly IReadOnlyList<Series> Template = Of(new RunReport
    {
        Scenario = "",
        Settings = new Dictionary<string, string>(),
        Verdict = new Verdict(true, []),
    });

    /// <summary>The names every report has, whether or not a given run measured them.</summary>
    public static IReadOnlyList<string> Names { get; } = Template.Select(s => s.Name).ToList();

    /// <summary>The series of that name (its unit and meaning, no value), or null.</summary>
    public static Series? Named(string name) => Template.FirstOrDefault(s => s.Name == name);

    private static void Latency(List<Series> all, string name, LatencySummary? summary, string meaning)
    {
        foreach (var percentile in Percentiles)
        {
            double? value = summary is null || summary.Count == 0 ? null : percentile switch
            {
                "p50" => summary.P50,
                "p90" => summary.P90,
                "p99" => summary.P99,
                "p999" => summary.P999,
                "max" => summary.Max,
                _ => summary.Mean,
            };
            all.Add(new($"{name}.{percentile}", SeriesUnit.Milliseconds, value, $"{percentile} of {meaning}"));
        }
    }
}
