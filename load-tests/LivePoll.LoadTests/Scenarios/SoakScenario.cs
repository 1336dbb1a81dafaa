using System.Diagnostics;
using System.Globalization;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;

namespace LivePoll.LoadTests.Scenarios;

public sealed record SoakOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);
    public double VoteRate { get; init; } = 500;
    public int Voters { get; init; } = 50_000;
    public int PollReaders { get; init; } = 200;
    public int FeedReaders { get; init; } = 200;

    /// <summary>Every interval, this share of feed readers drops its connection and comes back with catch-up.</summary>
    public double ChurnPercent { get; init; } = 10;
    public TimeSpan ChurnInterval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan PublishInterval { get; init; } = TimeSpan.FromSeconds(5);
    public Transport Transport { get; init; } = Transport.Hub;
}

/// <summary>
/// A steady mix for a long time: votes at a constant rate to subscribed readers, articles published at an
/// interval to feed readers of whom a share reconnects every interval (catching up from their last sequence),
/// and the server's memory sampled from its /metrics. Fails when a vote count or a feed delivery is wrong.
/// </summary>
public sealed class SoakScenario(Target target, SoakOptions options, IProgressSink progress)
{
    /// <summary>
    /// Reconnects a reader the way a page does: if its node is down (killed, restarting), it tries again every second
    /// for up to a minute, then catches up from its last sequence.
    /// </summary>
    private static async Task ReconnectPatientlyAsync(IFeedReader reader, RunMeter meter, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await reader.ReconnectAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 60)
            {
                meter.Error(ex);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public async Task<RunReport> RunAsync(CancellationToken cancellationToken)
    {
        var feedMeter = new RunMeter(options.Duration + TimeSpan.FromMinutes(1));
        var tag = $"[soak {Guid.NewGuid():N}]"[..15] + "]";
        progress.Status($"connecting {options.FeedReaders} feed readers");
        var feedReaders = new IFeedReader[options.FeedReaders];
        await Parallel.ForAsync(0, options.FeedReaders, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
            async (i, ct) => feedReaders[i] = await IFeedReader.StartAsync(target, i, tag, feedMeter, ct));

        var memory = new List<MemorySample>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        var surge = new SurgeScenario(target, new SurgeOptions
        {
            Readers = options.PollReaders,
            Voters = options.Voters,
            Profile = new RateProfile(options.VoteRate, TimeSpan.Zero, options.Duration, TimeSpan.Zero),
            Transport = options.Transport,
        }, progress).RunAsync(cancellationToken);

        var published = new Dictionary<string, long>();
        var side = Task.Run(async () =>
        {
            var nextChurn = options.ChurnInterval;
            var nextPublish = TimeSpan.Zero;
            var nextSample = TimeSpan.Zero;
            while (!surge.IsCompleted && !stop.IsCancellationRequested)
            {
                var now = clock.Elapsed;
                if (now >= nextPublish)
                {
                    foreach (var (id, at) in await FeedScenario.PublishAsync(target, tag, 1, 1, feedMeter, new SilentProgress(), stop.Token))
                    {
                        published[id] = at;
                    }
                    nextPublish += options.PublishInterval;
                }
                if (now >= nextChurn)
                {
                    var churn = (int)Math.Ceiling(feedReaders.Length * options.ChurnPercent / 100);
                    foreach (var reader in feedReaders.OrderBy(_ => Random.Shared.Next()).Take(churn))
                    {
                        await ReconnectPatientlyAsync(reader, feedMeter, stop.Token);
                    }
                    nextChurn += options.ChurnInterval;
                }
                if (now >= nextSample)
                {
                    memory.Add(await SampleMemoryAsync(now.TotalSeconds, stop.Token));
                    nextSample += TimeSpan.FromSeconds(5);
                }
                await Task.Delay(200, stop.Token);
            }
        }, stop.Token);

        var votes = await surge;
        await stop.CancelAsync();
        try
        {
            await side;
        }
        catch (OperationCanceledException)
        {
        }
        var ids = published.Keys.ToList();
        var wait = Stopwatch.StartNew();
        while (wait.Elapsed < TimeSpan.FromSeconds(30) && !feedReaders.All(r => r.Ledger.Has(ids)))
        {
            await Task.Delay(100, cancellationToken);
        }
        var feed = FeedScenario.Summarize(feedReaders, published, feedMeter);
        foreach (var reader in feedReaders)
        {
            await reader.DisposeAsync();
        }

        var growth = memory.Count >= 4 ? memory[^1].WorkingSetMb - memory[memory.Count / 4].WorkingSetMb : 0;
        return votes with
        {
            Scenario = "soak",
            Settings = new Dictionary<string, string>(votes.Settings)
            {
                ["feed readers"] = options.FeedReaders.ToString(CultureInfo.InvariantCulture),
                ["churn"] = $"{options.ChurnPercent}% every {options.ChurnInterval.TotalSeconds} s",
                ["publish"] = $"an article every {options.PublishInterval.TotalSeconds} s",
            },
            PublishToDeliveryLatency = feed.PublishToDeliveryLatency,
            Connects = votes.Connects + feedMeter.Connects,
            Disconnects = votes.Disconnects + feedMeter.Disconnects,
            Reconnects = votes.Reconnects + feedMeter.Reconnects,
            Errors = votes.Errors + feedMeter.Errors,
            Memory = memory,
            Extra = new Dictionary<string, string>(feed.Extra)
            {
                ["server working set (first → last sample)"] = memory.Count == 0 ? "no samples (is /metrics reachable?)" : $"{memory[0].WorkingSetMb:0} → {memory[^1].WorkingSetMb:0} MB",
                ["working-set growth after warm-up"] = $"{growth:0} MB",
            },
            Verdict = new Verdict(votes.Verdict.Passed && feed.Verdict.Passed, [.. votes.Verdict.Checks, .. feed.Verdict.Checks]),
        };
    }

    private async Task<MemorySample> SampleMemoryAsync(double second, CancellationToken cancellationToken)
    {
        try
        {
            var text = await target.Http.GetStringAsync("/metrics", cancellationToken);
            return new MemorySample(Math.Round(second, 1), Metric(text, "process_working_set_bytes") / 1_048_576, Metric(text, "dotnet_total_memory_bytes") / 1_048_576);
        }
        catch (HttpRequestException)
        {
            return new MemorySample(Math.Round(second, 1), 0, 0);
        }
    }

    private static double Metric(string prometheusText, string name)
    {
        foreach (var line in prometheusText.AsSpan().EnumerateLines())
        {
            if (line.StartsWith(name) && line.Length > name.Length && line[name.Length] == ' ')
            {
                return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
