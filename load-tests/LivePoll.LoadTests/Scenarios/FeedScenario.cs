using System.Diagnostics;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;

namespace LivePoll.LoadTests.Scenarios;

public sealed record FeedRunOptions
{
    public int Readers { get; init; } = 100;
    public int Articles { get; init; } = 100;

    /// <summary>Articles published per second.</summary>
    public double PublishRate { get; init; } = 10;

    /// <summary>
    /// Articles published to the same readers before the measured ones, at the same rate, and left out of every
    /// figure: a node that has just started compiles its hot paths during its first seconds under load.
    /// </summary>
    public int WarmUpArticles { get; init; }

    /// <summary>How long to wait, after the last publication, for every reader to have every article.</summary>
    public TimeSpan DeliveryWait { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// R readers on the live feed while K articles are published with a newsroom API key: every reader must
/// receive every article exactly once. Measures publish-to-delivery latency (from the start of the publish
/// request to the reader holding the article).
/// </summary>
public sealed class FeedScenario(Target target, FeedRunOptions options, IProgressSink progress)
{
    public async Task<RunReport> RunAsync(CancellationToken cancellationToken)
    {
        var meter = new RunMeter(TimeSpan.FromSeconds(options.Articles / Math.Max(0.1, options.PublishRate)) + options.DeliveryWait);
        var startedAt = DateTime.UtcNow;
        var tag = $"[load {Guid.NewGuid():N}]"[..15] + "]";
        var setup = Stopwatch.StartNew();
        progress.Status($"connecting {options.Readers} feed readers");
        var readers = new IFeedReader[options.Readers];
        await Parallel.ForAsync(0, options.Readers, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
            async (i, ct) => readers[i] = await IFeedReader.StartAsync(target, i, tag, meter, ct));
        string? warmUp = null;
        if (options.WarmUpArticles > 0)
        {
            progress.Status($"warming up: {options.WarmUpArticles} articles, not measured");
            warmUp = await WarmUpAsync(target, readers, tag, meter, progress, cancellationToken);
            progress.Status($"warm-up: {warmUp}");
        }
        var setupSeconds = setup.Elapsed.TotalSeconds;

        progress.Status($"publishing {options.Articles} articles");
        var cpu = new CpuMeter(target, target.ServerPids);
        var publishing = await cpu.SampleAsync(meter, cancellationToken);
        var published = await PublishAsync(target, tag, options.Articles, options.PublishRate, meter, progress, cancellationToken);
        var clock = Stopwatch.StartNew();
        var ids = published.Keys.ToList();
        while (clock.Elapsed < options.DeliveryWait && !readers.All(r => r.Ledger.Has(ids)))
        {
            await Task.Delay(100, cancellationToken);
        }
        var delivered = await cpu.SampleAsync(meter, cancellationToken);

        var report = Summarize(readers, published, meter);
        if (warmUp is not null)
        {
            report = report with
            {
                Extra = new Dictionary<string, string>(report.Extra) { ["warm-up"] = warmUp },
                Verdict = report.Verdict with { Checks = [.. report.Verdict.Checks, $"warm-up: {warmUp}"] },
            };
        }
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
        return report with
        {
            Scenario = "feed",
            Cpu = delivered.Since(publishing),
            StartedAt = startedAt,
            Settings = new Dictionary<string, string>
            {
                ["targets"] = string.Join(" ", target.Urls),
                ["protocol"] = target.Protocol.ToString(),
                ["hubTransport"] = target.HubTransport.ToString(),
                ["readers"] = options.Readers.ToString(),
                ["articles"] = options.Articles.ToString(),
                ["publish rate"] = $"{options.PublishRate}/s",
                ["warm-up articles"] = options.WarmUpArticles.ToString(),
            },
            SetupSeconds = Math.Round(setupSeconds, 2),
            RunSeconds = Math.Round(meter.ElapsedSeconds - setupSeconds, 2),
        };
    }

    /// <summary>
    /// Publishes the warm-up articles under a title the readers' ledgers do not count, and waits until every reader
    /// has had the last of them, so that none is still on its way when the measured ones start. Returns what the report
    /// says of it: how long that took, or, when some readers still lack the last one after the delivery wait, how many
    /// (the run then measures behind what is left of the warm-up's queue).
    /// </summary>
    private async Task<string> WarmUpAsync(Target target, IFeedReader[] readers, string tag, RunMeter meter, IProgressSink progress,
        CancellationToken cancellationToken)
    {
        long last = 0;
        await PublishAsync(target, "[warm-up]" + tag, options.WarmUpArticles, options.PublishRate, meter, progress, cancellationToken,
            article => last = Math.Max(last, article.Sequence));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < options.DeliveryWait && readers.Any(r => r.Ledger.LastSequence < last))
        {
            await Task.Delay(100, cancellationToken);
        }
        var behind = readers.Count(r => r.Ledger.LastSequence < last);
        return behind == 0
            ? $"{options.WarmUpArticles} articles; every reader had the last {clock.Elapsed.TotalSeconds:0.0} s after it was published"
            : $"{options.WarmUpArticles} articles; {behind:N0} of {readers.Length:N0} readers still lacked the last after " +
              $"{options.DeliveryWait.TotalSeconds:0} s, so the measured articles queued behind it";
    }

    /// <summary>Publishes <paramref name="count"/> articles at <paramref name="rate"/> per second; returns id → request start.</summary>
    internal static async Task<Dictionary<string, long>> PublishAsync(Target target, string tag, int count, double rate, RunMeter meter,
        IProgressSink progress, CancellationToken cancellationToken, Action<ArticleView>? onPublished = null)
    {
        var published = new Dictionary<string, long>();
        var clock = Stopwatch.StartNew();
        using var ticker = progress.Start(meter, TimeSpan.FromSeconds(count / Math.Max(0.1, rate)));
        var tasks = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }
            var n = i;
            tasks.Add(Task.Run(async () =>
            {
                var started = Latency.Now;
                try
                {
                    using var response = await target.Http.PostAsJsonAsync("/api/newsroom/articles",
                        new ArticleInput { Title = $"{tag} article {n}", Lead = "Load test", Body = $"<p>Article {n} of a load test.</p>" }, Target.Json, cancellationToken);
                    await Target.EnsureAsync(response, "publish an article (needs an editor API key: --api-key)");
                    var article = (await response.Content.ReadFromJsonAsync<ArticleView>(Target.Json, cancellationToken))!;
                    lock (published)
                    {
                        published[article.Id] = started;
                        onPublished?.Invoke(article);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    meter.Error(ex);
                }
            }, cancellationToken));
        }
        await Task.WhenAll(tasks);
        return published;
    }

    internal static RunReport Summarize(IReadOnlyList<IFeedReader> readers, IReadOnlyDictionary<string, long> published, RunMeter meter)
    {
        long missing = 0, duplicates = 0, incomplete = 0;
        foreach (var reader in readers)
        {
            var (articles, dupes, firstAt) = reader.Ledger.Received();
            duplicates += dupes;
            var lacking = published.Keys.Count(id => !firstAt.ContainsKey(id));
            missing += lacking;
            incomplete += lacking > 0 ? 1 : 0;
            foreach (var (id, at) in firstAt)
            {
                if (published.TryGetValue(id, out var started))
                {
                    meter.ArticleDelivered(started, Math.Max(started, at));
                }
            }
        }
        var checks = new List<string> { $"{published.Count} articles published; {readers.Count} readers" };
        if (missing > 0)
        {
            checks.Add($"FAIL: {incomplete} readers lack articles ({missing} deliveries missing)");
        }
        if (duplicates > 0)
        {
            checks.Add($"FAIL: {duplicates} articles delivered more than once");
        }
        if (missing == 0 && duplicates == 0)
        {
            checks.Add("every reader received every article exactly once");
        }
        return new RunReport
        {
            Scenario = "feed",
            Settings = new Dictionary<string, string>(),
            PublishToDeliveryLatency = meter.PublishToDelivery.Summarize(),
            Connects = meter.Connects,
            Disconnects = meter.Disconnects,
            Reconnects = meter.Reconnects,
            Errors = meter.Errors,
            ErrorKinds = new Dictionary<string, long>(meter.ErrorKinds),
            Extra = new Dictionary<string, string> { ["deliveries"] = $"{readers.Count * (long)published.Count - missing:N0} of {readers.Count * (long)published.Count:N0}" },
            Verdict = new Verdict(missing == 0 && duplicates == 0 && published.Count > 0, checks),
        };
    }
}
