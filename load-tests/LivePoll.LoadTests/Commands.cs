using System.ComponentModel;
using System.Globalization;
using LivePoll.Contracts;
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

    [CommandOption("--client <CLIENT>")]
    [Description("How readers and hub voters connect: light (raw WebSocket, MessagePack, reading only what is measured: thousands of readers per core) or full (the .NET SignalR client, as an app). Default light; with --protocol json, full.")]
    [DefaultValue(ReaderClient.Light)]
    public ReaderClient ReaderClient { get; init; }

    [CommandOption("--hub-transport <TRANSPORT>")]
    [Description("How hub connections reach the hub: websockets (default, negotiation skipped, as the pages first try), serversentevents or longpolling (negotiated, as pages behind a proxy that refuses WebSockets; the full client; Server-Sent Events carry JSON only, so that transport uses --protocol json).")]
    [DefaultValue(HubTransport.WebSockets)]
    public HubTransport HubTransport { get; init; }

    [CommandOption("--server-pid <PID>")]
    [Description("Process id of a server on this machine (repeat for several): its CPU is read from /proc. Default: each target's /metrics.")]
    public int[] ServerPids { get; init; } = [];

    [CommandOption("--threshold <EXPRESSION>")]
    [Description("A service-level objective the run must meet, e.g. \"vote_to_reader.p99 < 250ms\", \"dropped_share <= 1%\", \"cpu_per_vote < 150us\"; repeat for several. Each is printed with its value and PASS or FAIL; a FAIL ends the run with exit code 3 (a broken count: 1). Series: see load-tests/README.md.")]
    public string[] Thresholds { get; init; } = [];

    /// <summary>The report with each of the run's thresholds checked against it (they were read by <see cref="Validate"/>).</summary>
    public RunReport WithThresholds(RunReport report) =>
        report with { Thresholds = Thresholds.Select(t => Threshold.Parse(t).Evaluate(report)).ToList() };

    [CommandOption("--report <FOLDER>")]
    [Description("Where to write report.json, report.md and report.html. Default load-tests/reports/<scenario>-<time>.")]
    public string? Report { get; init; }

    public Target CreateTarget() => new(
        (TargetUrls.Length == 0 ? ["http://127.0.0.1:5080"] : TargetUrls).Select(u => new Uri(u.TrimEnd('/') + "/")).ToList(),
        ApiKey ?? Environment.GetEnvironmentVariable("LIVEPOLL_API_KEY"),
        HubTransport == HubTransport.ServerSentEvents ? Protocol.Json : Protocol,
        ReaderClient,
        HubTransport)
    {
        ServerPids = ServerPids,
    };

    public override ValidationResult Validate()
    {
        return TargetUrls.All(u => Uri.TryCreate(u, UriKind.Absolute, out _))
            ? FirstRefusal(Thresholds, t => Threshold.Parse(t))
            : ValidationResult.Error("--target-url must be an absolute URL.");
    }

    /// <summary>Success, or the reason the first expression <paramref name="parse"/> refuses (its FormatException's message).</summary>
    internal static ValidationResult FirstRefusal(IEnumerable<string> expressions, Action<string> parse)
    {
        foreach (var expression in expressions)
        {
            try
            {
                parse(expression);
            }
            catch (FormatException ex)
            {
                return ValidationResult.Error(ex.Message);
            }
        }
        return ValidationResult.Success();
    }
}

/// <summary>How a run ends, as its exit code: CI tells a broken count from a missed objective.</summary>
public static class ExitCodes
{
    /// <summary>The verdict held and every threshold held.</summary>
    public const int Passed = 0;

    /// <summary>Correctness broke: an acknowledged vote not counted, a delivery lost or repeated (whatever the thresholds say).</summary>
    public const int CorrectnessBroken = 1;

    /// <summary>The run could not go ahead (no server, refused setup, a shard that died).</summary>
    public const int CouldNotRun = 2;

    /// <summary>The count held, but a threshold (<c>--threshold</c>) or a <c>compare --fail-on</c> tolerance was missed.</summary>
    public const int ObjectiveMissed = 3;

    public static int Of(RunReport report) =>
        !report.Verdict.Passed ? CorrectnessBroken : report.Thresholds.Any(t => !t.Passed) ? ObjectiveMissed : Passed;
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

    [CommandOption("--connections <N>")] [Description("Hub connections that carry the votes. The server runs one call at a time per connection (as each reader's page votes on its own), so these bound the votes in flight")] [DefaultValue(64)]
    public int Connections { get; init; }

    [CommandOption("--poll <ID>")] [Description("Vote in this poll instead of creating one.")]
    public string? PollId { get; init; }

    [CommandOption("--kind <KIND>")]
    [Description("The poll to create: Choice (3 options), Quiz (3 options), Rating (1-5), Ranking (3 options, every vote orders all of them) or Words (twenty entries sent as text).")]
    [DefaultValue(PollKind.Choice)]
    public PollKind Kind { get; init; }

    [CommandOption("--processes <N>")]
    [Description("Spread the run over N processes of this tool on this machine (each a shard), started together, their reports merged.")]
    [DefaultValue(1)]
    public int Processes { get; init; }

    [CommandOption("--shard <K/N>")]
    [Description("Run shard K of N of one surge (e.g. one per load machine): this process takes 1/N of the readers, voters, rate and connections. Needs --poll; merge the shards' reports with the merge command.")]
    public string? Shard { get; init; }

    [CommandOption("--start-at <UTC_TIME>")]
    [Description("With --shard: start voting at this UTC time (e.g. 2026-12-03T09:00:00Z), after setting up, so shards on several machines start together.")]
    public DateTimeOffset? StartAt { get; init; }

    [CommandOption("--await-go", IsHidden = true)]
    [Description("With --shard: print READY after setting up and start when GO arrives on standard input (used by --processes).")]
    public bool AwaitGo { get; init; }

    public (int Index, int Count)? ParsedShard =>
        Shard?.Split('/') is [var k, var n] && int.TryParse(k, out var index) && int.TryParse(n, out var count) ? (index, count) : null;

    public override ValidationResult Validate()
    {
        if (Shard is not null && (ParsedShard is not { } s || s.Count < 1 || s.Index < 1 || s.Index > s.Count))
        {
            return ValidationResult.Error("--shard is K/N with 1 <= K <= N, e.g. --shard 2/4.");
        }
        if (Shard is not null && PollId is null)
        {
            return ValidationResult.Error("--shard needs --poll: every shard votes in the same poll (create it first, or use --processes).");
        }
        if (Processes < 1 || Processes > 64 || (Processes > 1 && Shard is not null))
        {
            return ValidationResult.Error("--processes is 1 to 64, and not together with --shard.");
        }
        return base.Validate();
    }
}

public sealed class MergeSettings : CommonSettings
{
    [CommandArgument(0, "<REPORT>")]
    [Description("The report.json (or its folder) of every shard of one surge.")]
    public string[] Reports { get; init; } = [];
}

public sealed class CompareSettings : CommandSettings
{
    [CommandArgument(0, "<BASE>")]
    [Description("The baseline run's report.json (or its folder).")]
    public string Base { get; init; } = "";

    [CommandArgument(1, "<NEW>")]
    [Description("The new run's report.json (or its folder).")]
    public string New { get; init; } = "";

    [CommandOption("--fail-on <RULE>")]
    [Description("How far a series may move: \"cpu_per_vote +15%\" fails when the new run is more than 15 % above the baseline, \"acknowledged_per_second -10%\" when more than 10 % below; repeat for several. A failure exits with 3.")]
    public string[] FailOn { get; init; } = [];

    public override ValidationResult Validate() => CommonSettings.FirstRefusal(FailOn, r => Tolerance.Parse(r));
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
    public override Task<int> ExecuteAsync(CommandContext context, SurgeSettings s, CancellationToken cancellationToken)
    {
        if (s.Processes > 1)
        {
            return ShardCoordinator.RunAsync(s, cancellationToken);
        }
        var (index, count) = s.ParsedShard ?? (1, 1);
        return Runner.RunAsync(s, s.Shard is null ? "surge" : $"surge-shard-{index}", (target, progress, ct) => new SurgeScenario(target, new SurgeOptions
        {
            Readers = Share(s.Readers, index, count),
            Voters = Share(s.Voters, index, count),
            Profile = new RateProfile(s.Rate / count, TimeSpan.FromSeconds(s.RampUp), TimeSpan.FromSeconds(s.Hold), TimeSpan.FromSeconds(s.RampDown)),
            Transport = s.Transport,
            VoteConnections = Math.Max(1, Share(s.Connections, index, count)),
            PollId = s.PollId,
            Kind = s.Kind,
            Shard = s.ParsedShard,
            WaitToStart = s.AwaitGo ? ShardCoordinator.AwaitGoAsync : s.StartAt is { } at ? ct2 => Task.Delay(Max(at - DateTimeOffset.UtcNow), ct2) : null,
        }, progress).RunAsync(ct), cancellationToken);
    }

    /// <summary>Shard <paramref name="index"/>'s part of <paramref name="total"/>: an even split, the remainder to the first shards.</summary>
    internal static int Share(int total, int index, int count) => total / count + (index <= total % count ? 1 : 0);

    private static TimeSpan Max(TimeSpan wait) => wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
}

public sealed class MergeCommand : AsyncCommand<MergeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, MergeSettings s, CancellationToken cancellationToken)
    {
        var files = s.Reports.Select(r => Directory.Exists(r) ? Path.Combine(r, "report.json") : r).ToList();
        return await Runner.RunAsync(s, "surge-merged", async (target, progress, ct) =>
            await ShardMerge.MergeAsync(files.Select(ShardMerge.Read).ToList(), target, ct), cancellationToken);
    }
}

public sealed class CompareCommand : Command<CompareSettings>
{
    public override int Execute(CommandContext context, CompareSettings s, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        RunReport baseline, candidate;
        try
        {
            (baseline, candidate) = (ShardMerge.Read(ReportFile(s.Base)), ShardMerge.Read(ReportFile(s.New)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException)
        {
            console.MarkupLine($"[red]Cannot compare:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.CouldNotRun;
        }
        var changes = RunComparison.Of(baseline, candidate);
        var table = new Table().Title($"{baseline.Scenario} {baseline.StartedAt:yyyy-MM-dd HH:mm} → {candidate.Scenario} {candidate.StartedAt:yyyy-MM-dd HH:mm}")
            .AddColumn("series").AddColumn(new TableColumn("base").RightAligned()).AddColumn(new TableColumn("new").RightAligned())
            .AddColumn(new TableColumn("change").RightAligned());
        foreach (var change in changes)
        {
            table.AddRow(change.Name, Number(change.Base), Number(change.New),
                change.ChangePercent is { } p ? p.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " %" : "–");
        }
        console.Write(table);
        var results = s.FailOn.Select(rule => Tolerance.Parse(rule).Check(changes)).ToList();
        foreach (var result in results)
        {
            console.MarkupLine($"  [{(result.Passed ? "green" : "red")}]{Markup.Escape(result.ToString())}[/]");
        }
        if (!baseline.Verdict.Passed || !candidate.Verdict.Passed)
        {
            console.MarkupLine("[red]A run's own verdict was FAIL: its count was broken.[/]");
            return ExitCodes.CorrectnessBroken;
        }
        return results.All(r => r.Passed) ? ExitCodes.Passed : ExitCodes.ObjectiveMissed;
    }

    private static string ReportFile(string path) => Directory.Exists(path) ? Path.Combine(path, "report.json") : path;

    private static string Number(double? value) => value is { } v ? v.ToString("#,0.###", CultureInfo.InvariantCulture) : "–";
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
    /// <summary>Runs a scenario, prints the table, writes the report; the exit code says how it ended (<see cref="ExitCodes"/>).</summary>
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
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TimeoutException or IOException or System.Text.Json.JsonException)
        {
            console.MarkupLine($"[red]The {scenario} run could not go ahead:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.CouldNotRun;
        }
        // A shard started by a coordinator leaves the table and the thresholds to the coordinator's merged report.
        var shard = settings is SurgeSettings { AwaitGo: true };
        return Finish(console, shard ? report : settings.WithThresholds(report),
            settings.Report ?? Path.Combine("load-tests", "reports", $"{scenario}-{DateTime.Now:yyyyMMdd-HHmmss}"), table: !shard);
    }

    /// <summary>Prints the table (with the verdict and thresholds), writes the report files, and gives the exit code.</summary>
    public static int Finish(IAnsiConsole console, RunReport report, string folder, bool table = true)
    {
        if (table)
        {
            ReportWriter.WriteTable(console, report);
        }
        ReportWriter.WriteFiles(report, folder);
        console.MarkupLine($"Report: [link]{Markup.Escape(Path.GetFullPath(Path.Combine(folder, "report.html")))}[/]");
        return ExitCodes.Of(report);
    }
}
