using System.ComponentModel;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;
using LivePoll.LoadTests.Scenarios;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LivePoll.LoadTests;

/// <summary>Options every scenario takes: where, as whom, how, and where the report goes.</summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("-t|--target-url <URL>")]
    [Description("A LivePoll node; repeat to spread clients over several nodes. Default http://127.0.0.1:5080.")]
    public string[] TargetUrls { get; init; } = [];

    [CommandOption("-k|--api-key <KEY>")]
    [Description("A newsroom API key (editor to create polls and publish), best one with ExemptFromLimits. Default: $LIVEPOLL_API_KEY.")]
    public string? ApiKey { get; init; }

    [CommandOption("--protocol <PROTOCOL>")]
    [Description("json or messagepack (default messagepack).")]
    [DefaultValue(Protocol.MessagePack)]
    public Protocol Protocol { get; init; }

    [CommandOption("--reader-client <CLIENT>")]
    [Description("light (raw WebSocket, MessagePack, reads only the version or article id: thousands of readers per core) or full (the .NET SignalR client). Default light; JSON readers always use full.")]
    [DefaultValue(ReaderClient.Light)]
    public ReaderClient ReaderClient { get; init; }

    [CommandOption("--server-pid <PID>")]
    [Description("Process id of a server on this machine (repeat for several): its CPU is read from /proc. Default: each target's /metrics.")]
    public int[] ServerPids { get; init; } = [];

    [CommandOption("--report <FOLDER>")]
    [Description("Where to write report.json, report.md and report.html. Default load-tests/reports/<scenario>-<time>.")]
    public string? Report { get; init; }

    public Target CreateTarget() => new(
        (TargetUrls.Length == 0 ? ["http://127.0.0.1:5080"] : TargetUrls).Select(u => new Uri(u.TrimEnd('/') + "/")).ToList(),
        ApiKey ?? Environment.GetEnvironmentVariable("LIVEPOLL_API_KEY"),
        Protocol,
        ReaderClient)
    {
        ServerPids = ServerPids,
    };

    public override ValidationResult Validate() =>
        TargetUrls.All(u => Uri.TryCreate(u, UriKind.Absolute, out _)) ? ValidationResult.Success() : ValidationResult.Error("--target-url must be an absolute URL.");
}

public sealed class SurgeSettings : CommonSettings
{
    [CommandOption("-r|--readers <N>")] [Description("Readers subscribed to the poll.")] [DefaultValue(100)]
    public int Readers { get; init; }

    [CommandOption("-v|--voters <N>")] [Description("Distinct voters (signed tokens from the server). Votes beyond this are retries.")] [DefaultValue(10_000)]
    public int Voters { get; init; }

    [CommandOption("--rate <VOTES_PER_SECOND>")] [Description("Target vote rate while holding.")] [DefaultValue(1_000d)]
    public double Rate { get; init; }

    [CommandOption("--ramp-up <SECONDS>")] [DefaultValue(5d)]
    public double RampUp { get; init; }

    [CommandOption("--hold <SECONDS>")] [DefaultValue(20d)]
    public double Hold { get; init; }

    [CommandOption("--ramp-down <SECONDS>")] [DefaultValue(5d)]
    public double RampDown { get; init; }

    [CommandOption("--transport <TRANSPORT>")] [Description("hub or http.")] [DefaultValue(Transport.Hub)]
    public Transport Transport { get; init; }

    [CommandOption("--connections <N>")] [Description("Hub connections that carry the votes.")] [DefaultValue(16)]
    public int Connections { get; init; }

    [CommandOption("--poll <ID>")] [Description("Vote in this poll instead of creating one.")]
    public string? PollId { get; init; }
}

public sealed class FeedSettings : CommonSettings
{
    [CommandOption("-r|--readers <N>")] [DefaultValue(100)]
    public int Readers { get; init; }

    [CommandOption("--articles <N>")] [DefaultValue(100)]
    public int Articles { get; init; }

    [CommandOption("--publish-rate <PER_SECOND>")] [DefaultValue(10d)]
    public double PublishRate { get; init; }
}

public sealed class SoakSettings : CommonSettings
{
    [CommandOption("--duration <SECONDS>")] [DefaultValue(600d)]
    public double Duration { get; init; }

    [CommandOption("--rate <VOTES_PER_SECOND>")] [DefaultValue(500d)]
    public double Rate { get; init; }

    [CommandOption("-v|--voters <N>")] [DefaultValue(50_000)]
    public int Voters { get; init; }

    [CommandOption("--poll-readers <N>")] [DefaultValue(200)]
    public int PollReaders { get; init; }

    [CommandOption("--feed-readers <N>")] [DefaultValue(200)]
    public int FeedReaders { get; init; }

    [CommandOption("--churn-percent <PERCENT>")] [DefaultValue(10d)]
    public double ChurnPercent { get; init; }

    [CommandOption("--transport <TRANSPORT>")] [DefaultValue(Transport.Hub)]
    public Transport Transport { get; init; }
}

public sealed class SurgeCommand : AsyncCommand<SurgeSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, SurgeSettings s, CancellationToken cancellationToken) =>
        Runner.RunAsync(s, "surge", (target, progress, ct) => new SurgeScenario(target, new SurgeOptions
        {
            Readers = s.Readers,
            Voters = s.Voters,
            Profile = new RateProfile(s.Rate, TimeSpan.FromSeconds(s.RampUp), TimeSpan.FromSeconds(s.Hold), TimeSpan.FromSeconds(s.RampDown)),
            Transport = s.Transport,
            VoteConnections = s.Connections,
            PollId = s.PollId,
        }, progress).RunAsync(ct), cancellationToken);
}

public sealed class FeedCommand : AsyncCommand<FeedSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, FeedSettings s, CancellationToken cancellationToken) =>
        Runner.RunAsync(s, "feed", (target, progress, ct) => new FeedScenario(target, new FeedRunOptions
        {
            Readers = s.Readers,
            Articles = s.Articles,
            PublishRate = s.PublishRate,
        }, progress).RunAsync(ct), cancellationToken);
}

public sealed class SoakCommand : AsyncCommand<SoakSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, SoakSettings s, CancellationToken cancellationToken) =>
        Runner.RunAsync(s, "soak", (target, progress, ct) => new SoakScenario(target, new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(s.Duration),
            VoteRate = s.Rate,
            Voters = s.Voters,
            PollReaders = s.PollReaders,
            FeedReaders = s.FeedReaders,
            ChurnPercent = s.ChurnPercent,
            Transport = s.Transport,
        }, progress).RunAsync(ct), cancellationToken);
}

internal static class Runner
{
    /// <summary>Runs a scenario, prints the table, writes the report; exit code 0 on PASS, 1 on FAIL, 2 when the run could not happen.</summary>
    public static async Task<int> RunAsync(CommonSettings settings, string scenario,
        Func<Target, IProgressSink, CancellationToken, Task<RunReport>> run, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        using var target = settings.CreateTarget();
        RunReport report;
        try
        {
            report = await run(target, new ConsoleProgress(console), cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TimeoutException)
        {
            console.MarkupLine($"[red]The {scenario} run could not go ahead:[/] {Markup.Escape(ex.Message)}");
            return 2;
        }
        ReportWriter.WriteTable(console, report);
        var folder = ReportWriter.WriteFiles(report, settings.Report ?? Path.Combine("load-tests", "reports", $"{scenario}-{DateTime.Now:yyyyMMdd-HHmmss}"));
        console.MarkupLine($"Report: [link]{Markup.Escape(Path.GetFullPath(Path.Combine(folder, "report.html")))}[/]");
        return report.Verdict.Passed ? 0 : 1;
    }
}
