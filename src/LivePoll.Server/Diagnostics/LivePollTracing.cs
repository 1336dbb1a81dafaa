using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LivePoll.Server.Diagnostics;

/// <summary>
/// LivePoll's traces (ActivitySource "LivePoll"): a <c>vote</c> (hub or HTTP), the <c>store vote batch</c> that counted it
/// (a child of the batch's first vote, linked to every vote it carried), and the <c>poll snapshot</c> that first carried
/// the batch's version to readers on this node (a child of the batch, linked to every batch it carried). Exported over
/// OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (with ASP.NET Core's request spans), sampled by
/// <c>Tracing:SampleRatio</c>; otherwise nothing listens, and each step costs one check that returns at once.
/// </summary>
public static class LivePollTracing
{
    public const string SourceName = "LivePoll";

    public static readonly ActivitySource Source = new(SourceName, "1.0.0");

    /// <summary>Exports traces over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (environment or configuration).</summary>
    public static WebApplicationBuilder AddLivePollTracing(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TracingOptions>().BindConfiguration(TracingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SnapshotTraces>();
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }
        var ratio = builder.Configuration.GetValue(TracingOptions.Section + ":" + nameof(TracingOptions.SampleRatio), new TracingOptions().SampleRatio);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("livepoll", serviceVersion: "1.0.0",
                serviceInstanceId: builder.Configuration["Node:Name"] ?? $"{Environment.MachineName}-{Environment.ProcessId}"))
            .WithTracing(t => t
                .AddSource(SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = c =>
                    !c.Request.Path.StartsWithSegments("/metrics") && !c.Request.Path.StartsWithSegments("/health"))
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
                .AddOtlpExporter());
        return builder;
    }
}

/// <summary>Tracing settings (section <c>Tracing</c>); the exporter itself follows the standard OTEL_EXPORTER_OTLP_* variables.</summary>
public sealed class TracingOptions
{
    public const string Section = "Tracing";

    /// <summary>Share of votes (and requests) traced when tracing is on: 0.05 traces one in twenty.</summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 0.05;
}

/// <summary>
/// Traced vote batches waiting for the snapshot that carries their version, per poll, on this node. Filled only while a
/// trace is recorded; bounded, so a poll nobody follows here cannot grow it.
/// </summary>
public sealed class SnapshotTraces
{
    private const int MaxPerPoll = 256;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(long Version, ActivityContext Batch)>> _pending = new(StringComparer.Ordinal);

    public void Add(string pollId, long version, ActivityContext batch)
    {
        var queue = _pending.GetOrAdd(pollId, static _ => new());
        queue.Enqueue((version, batch));
        while (queue.Count > MaxPerPoll && queue.TryDequeue(out _))
        {
        }
    }

    /// <summary>
    /// Starts the <c>poll snapshot</c> activity for the batches the snapshot of <paramref name="version"/> carries, if any.
    /// A batch whose version went out before its trace was noted (the fan-out read the store between the script's answer
    /// and the batch's continuation) is carried by the next check, with <paramref name="connections"/> 0: its readers
    /// had it already.
    /// </summary>
    public Activity? StartSnapshot(string pollId, long version, int connections)
    {
        if (!_pending.TryGetValue(pollId, out var queue) || queue.IsEmpty)
        {
            return null;
        }
        List<ActivityLink>? carried = null;
        while (queue.TryPeek(out var head) && head.Version <= version && queue.TryDequeue(out head))
        {
            (carried ??= []).Add(new ActivityLink(head.Batch));
        }
        if (carried is null)
        {
            return null;
        }
        var activity = LivePollTracing.Source.StartActivity("poll snapshot", ActivityKind.Producer, carried[0].Context, links: carried);
        activity?.SetTag("livepoll.poll_id", pollId);
        activity?.SetTag("livepoll.poll.version", version);
        activity?.SetTag("livepoll.snapshot.connections", connections);
        return activity;
    }
}
