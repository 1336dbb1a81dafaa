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

    [CommandOption("--scenario <FILE>")]
    [Description("A scenario file (YAML or JSON, see load-tests/scenarios/ and load-tests/README.md): the run's settings and, for a surge, its arrival stages. Options given here win over the file; thresholds from both apply.")]
    public string? ScenarioPath { get; init; }

    /// <summary>The scenario file, read and checked by <see cref="Validate"/> (null without --scenario).</summary>
    public ScenarioFile? Scenario { get; private set; }

    [CommandOption("--protocol <PROTOCOL>")]
    [Description("json or messagepack (default messagepack).")]
    public Protocol? Protocol { get; init; }

    [CommandOption("--client <CLIENT>")]
    [Description("How readers and hub voters connect: light (raw WebSocket, MessagePack, reading only what is measured: thousands of readers per core) or full (the .NET SignalR client, as an app). Default light; with --protocol json, full.")]
    public ReaderClient? ReaderClient { get; init; }

    [CommandOption("--hub-transport <TRANSPORT>")]
    [Description("How hub connections reach the hub: websockets (default, negotiation skipped, as the pages first try), serversentevents or longpolling (negotiated, as pages behind a proxy that refuses WebSockets; the full client; Server-Sent Events carry JSON only, so that transport uses --protocol json).")]
    public HubTransport? HubTransport { get; init; }

    [CommandOption("--server-pid <PID>")]
    [Description("Process id of a server on this machine (repeat for several): its CPU is read from /proc. Default: each target's /metrics.")]
    public int[] ServerPids { get; init; } = [];

    [CommandOption("--threshold <EXPRESSION>")]
    [Description("A service-level objective the run must meet, e.g. \"vote_to_reader.p99 < 250ms\", \"dropped_share <= 1%\", \"cpu_per_vote < 150us\"; repeat for several. Each is printed with its value and PASS or FAIL; a FAIL ends the run with exit code 3 (a broken count: 1). Series: see load-tests/README.md.")]
    public string[] Thresholds { get; init; } = [];

    /// <summary>The scenario file's thresholds, then the command line's.</summary>
    public IEnumerable<string> AllThresholds => (Scenario?.Thresholds ?? []).Concat(Thresholds);

    /// <summary>The report with each of the run's thresholds checked against it (they were read by <see cref="Validate"/>).</summary>
    public RunReport WithThresholds(RunReport report) =>
        report with { Thresholds = AllThresholds.Select(t => Threshold.Parse(t).Evaluate(report)).ToList() };

    [CommandOption("--report <FOLDER>")]
    [Description("Where to write report.json, report.md and report.html. Default load-tests/reports/<scenario>-<time>.")]
    public string? Report { get; init; }

    public Target CreateTarget()
    {
        var urls = TargetUrls.Length > 0 ? TargetUrls : Scenario?.Targets is { Count: > 0 } fromFile ? fromFile : ["http://127.0.0.1:5080"];
        var hubTransport = HubTransport ?? Scenario?.HubTransport ?? Scenarios.HubTransport.WebSockets;
        return new(
            urls.Select(u => new Uri(u.TrimEnd('/') + "/")).ToList(),
            ApiKey ?? Environment.GetEnvironmentVariable("LIVEPOLL_API_KEY"),
            hubTransport == Scenarios.HubTransport.ServerSentEvents ? Scenarios.Protocol.Json : Protocol ?? Scenario?.Protocol ?? Scenarios.Protocol.MessagePack,
            ReaderClient ?? Scenario?.Client ?? Scenarios.ReaderClient.Light,
            hubTransport)
        {
            ServerPids = ServerPids,
        };
    }

    /// <summary>The scenario this command runs ("surge", "feed", "soak"): a scenario file must be one of these.</summary>
    protected virtual string? ScenarioName => null;

    public override ValidationResult Validate()
    {
        if (!TargetUrls.All(u => Uri.TryCreate(u, UriKind.Absolute, out _)))
        {
            return ValidationResult.Error("--target-url must be an absolute URL.");
        }
        if (ScenarioPath is not null)
        {
            try
            {
                Scenario = ScenarioFile.Load(ScenarioPath);
            }
            catch (ScenarioFileException ex)
            {
                return ValidationResult.Error(ex.Message);
            }
            if (ScenarioName is { } name && Scenario.Scenario != name)
            {
                return ValidationResult.Error($"{ScenarioPath} is a {Scenario.Scenario} scenario: run it with 'livepoll-load {Scenario.Scenario} --scenario {ScenarioPath}'.");
            }
        }
        return FirstRefusal(Thresholds, t => Threshold.Parse(t));
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
    protected override string ScenarioName => "surge";

    [CommandOption("-r|--readers <N>")] [Description("Readers subscribed to the poll (default 100).")]
    public int? Readers { get; init; }

    [CommandOption("-v|--voters <N>")] [Description("Distinct voters (signed tokens from the server); votes beyond this are retries (default 10,000).")]
    public int? Voters { get; init; }

    [CommandOption("--rate <VOTES_PER_SECOND>")] [Description("Target vote rate while holding (default 1,000). Any of --rate, --ramp-up, --hold, --ramp-down replaces a scenario file's stages with ramp, hold, ramp.")]
    public double? Rate { get; init; }

    [CommandOption("--ramp-up <SECONDS>")] [Description("Default 5.")]
    public double? RampUp { get; init; }

    [CommandOption("--hold <SECONDS>")] [Description("Default 20.")]
    public double? Hold { get; init; }

    [CommandOption("--ramp-down <SECONDS>")] [Description("Default 5.")]
    public double? RampDown { get; init; }

    [CommandOption("--transport <TRANSPORT>")] [Description("hub (default) or http.")]
    public Transport? Transport { get; init; }

    [CommandOption("--connections <N>")] [Description("Hub connections that carry the votes (default 64). The server runs one call at a time per connection (as each reader's page votes on its own), so these bound the votes in flight")]
    public int? Connections { get; init; }

    [CommandOption("--max-in-flight <N>")]
    [Description("Votes sent and not yet answered the tool allows (default 50,000). A vote due while this many are in flight is not sent and counts as dropped: the arrival rate is kept, never slowed.")]
    public int? MaxInFlight { get; init; }

    [CommandOption("--abort-on-fail")]
    [Description("Stop sending as soon as a threshold can no longer hold (a count that never goes down, such as dropped, failed, errors or reconnects, already past its limit); the run still waits for its answers, gives its verdict and exits 3. Not with --processes or --shard.")]
    public bool? AbortOnFail { get; init; }

    /// <summary>The arrival stages: ramp, hold, ramp from the command line if any of those options is given, else the file's stages.</summary>
    public RateProfile Profile() =>
        Scenario?.Stages is { } stages && Rate is null && RampUp is null && Hold is null && RampDown is null
            ? stages
            : new RateProfile(Rate ?? 1_000, TimeSpan.FromSeconds(RampUp ?? 5), TimeSpan.FromSeconds(Hold ?? 20), TimeSpan.FromSeconds(RampDown ?? 5));

    [CommandOption("--poll <ID>")] [Description("Vote in this poll instead of creating one.")]
    public string? PollId { get; init; }

    [CommandOption("--reader-arrival <SECONDS>")]
    [Description("Readers arrive over this many seconds from the first vote, evenly, instead of all connecting before it (default 0): an audience gathering while votes climb.")]
    public double? ReaderArrival { get; init; }

    [CommandOption("--polls <N>")]
    [Description("Create N polls and vote in all of them at once (vote n to poll n mod N, reader i reads poll i mod N); each poll's count is checked. Default 1; not with --poll, --shard or --processes.")]
    public int? Polls { get; init; }

    [CommandOption("--kind <KIND>")]
    [Description("The poll to create: Choice (3 options, the default), Quiz (3 options), Rating (1-5), Ranking (3 options, every vote orders all of them) or Words (twenty entries sent as text).")]
    public PollKind? Kind { get; init; }

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

    /// <summary>The poll to vote in: --poll, else the scenario file's; null: create one.</summary>
    public string? Poll => PollId ?? Scenario?.Poll;

    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } refused)
        {
            return refused;
        }
        if (Shard is not null && (ParsedShard is not { } s || s.Count < 1 || s.Index < 1 || s.Index > s.Count))
        {
            return ValidationResult.Error("--shard is K/N with 1 <= K <= N, e.g. --shard 2/4.");
        }
        if (Shard is not null && Poll is null)
        {
            return ValidationResult.Error("--shard needs --poll: every shard votes in the same poll (create it first, or use --processes).");
        }
        if (Processes < 1 || Processes > 64 || (Processes > 1 && Shard is not null))
        {
            return ValidationResult.Error("--processes is 1 to 64, and not together with --shard.");
        }
        if (ReaderArrival is < 0 or > 7 * 24 * 3600)
        {
            return ValidationResult.Error("--reader-arrival is a number of seconds from 0 (all readers before the first vote).");
        }
        var polls = Polls ?? Scenario?.Polls ?? 1;
        if (polls < 1 || polls > 1_000)
        {
            return ValidationResult.Error("--polls is 1 to 1,000.");
        }
        if (polls > 1 && (Poll is not null || Shard is not null || Processes > 1))
        {
            return ValidationResult.Error("--polls creates its own polls: it does not go with --poll (one given poll), --shard or --processes (shards share one poll).");
        }
        return ValidationResult.Success();
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

    [CommandOption("--html <FILE>")]
    [Description("Also write the comparison as a page: the series side by side and the two runs' timelines overlaid (throughput, acknowledgement p99, vote-to-reader p99).")]
    public string? Html { get; init; }

    public override ValidationResult Validate() => CommonSettings.FirstRefusal(FailOn, r => Tolerance.Parse(r));
}

public sealed class PlanSettings : CommandSettings
{
    [CommandOption("--readers <N>")] [Description("Readers connected at once at the peak.")]
    public long Readers { get; init; }

    [CommandOption("--votes-per-second <N>")] [Description("Votes a second at the peak.")]
    public double VotesPerSecond { get; init; }

    [CommandOption("--articles-per-minute <N>")] [Description("Articles published a minute at the peak (default 0).")]
    public double ArticlesPerMinute { get; init; }

    [CommandOption("--from <REPORT>")]
    [Description("A run's report.json (or its folder) to take the unit costs from; repeat it: CPU per vote comes from the run with the most votes per delivered message, CPU per message from the one with the most messages per vote.")]
    public string[] From { get; init; } = [];

    [CommandOption("--us-per-vote <N>")] [Description("Server CPU per vote in µs, instead of a report's.")]
    public double? MicrosPerVote { get; init; }

    [CommandOption("--us-per-message <N>")] [Description("Server CPU per delivered message in µs, instead of a report's.")]
    public double? MicrosPerMessage { get; init; }

    [CommandOption("--store-us-per-vote <N>")] [Description("Store (Redis) CPU per vote in µs (default 16, the vote script measured with redis-benchmark).")]
    public double? StoreMicrosPerVote { get; init; }

    [CommandOption("--snapshots-per-second <N>")] [Description("Snapshots each reader of a busy poll gets a second (default 10: one per 100 ms turn).")]
    public double? Snapshots { get; init; }

    [CommandOption("--cores-per-node <N>")] [Description("Cores of one node (default 8).")]
    public int CoresPerNode { get; init; } = 8;

    [CommandOption("--utilization <SHARE>")] [Description("Share of the nodes' and store shards' CPU the plan fills at the peak (default 0.6).")]
    public double Utilization { get; init; } = 0.6;

    [CommandOption("--readers-per-node <N>")] [Description("Connections one node is given at most (default 50,000).")]
    public long ReadersPerNode { get; init; } = 50_000;

    public override ValidationResult Validate() =>
        Readers < 0 || VotesPerSecond < 0 || ArticlesPerMinute < 0 ? ValidationResult.Error("--readers, --votes-per-second and --articles-per-minute are 0 or more.")
        : Readers == 0 && VotesPerSecond == 0 ? ValidationResult.Error("Give the peak: --readers N and --votes-per-second N.")
        : CoresPerNode < 1 || ReadersPerNode < 1 ? ValidationResult.Error("--cores-per-node and --readers-per-node are 1 or more.")
        : Utilization is <= 0 or > 1 ? ValidationResult.Error("--utilization is a share above 0 and at most 1, e.g. 0.6.")
        : From.Length == 0 && (MicrosPerVote is null || MicrosPerMessage is null)
            ? ValidationResult.Error("The plan needs measured unit costs: --from a surge's report.json (or --us-per-vote and --us-per-message).")
        : ValidationResult.Success();
}

public sealed class PlanCommand : Command<PlanSettings>
{
    public override int Execute(CommandContext context, PlanSettings s, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        List<(string, RunReport)> reports;
        try
        {
            reports = s.From.Select(path => (path, ShardMerge.Read(Directory.Exists(path) ? Path.Combine(path, "report.json") : path))).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException)
        {
            console.MarkupLine($"[red]Cannot plan:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.CouldNotRun;
        }
        var (perVote, voteSource, perMessage, messageSource) = UnitCosts.From(reports);
        if ((s.MicrosPerVote ?? perVote) is not { } vote || (s.MicrosPerMessage ?? perMessage) is not { } message)
        {
            console.MarkupLine("[red]Cannot plan:[/] no server CPU per vote and per delivered message in the reports given (a run measures them when it "
                + "can read the server's CPU: --server-pid, or the server's /metrics). Give --us-per-vote and --us-per-message instead.");
            return ExitCodes.CouldNotRun;
        }
        var costs = new UnitCosts(
            vote, s.MicrosPerVote is null ? voteSource : "given",
            message, s.MicrosPerMessage is null ? messageSource : "given",
            s.StoreMicrosPerVote ?? UnitCosts.MeasuredStoreMicrosPerVote, s.StoreMicrosPerVote is null ? "the vote script under redis-benchmark" : "given",
            s.Snapshots ?? UnitCosts.SnapshotsPerReaderAtTheCap, s.Snapshots is null ? "one per 100 ms turn" : "given");
        var plan = CapacityPlan.Of(new PlanDemand(s.Readers, s.VotesPerSecond, s.ArticlesPerMinute), costs,
            new PlanLimits(s.CoresPerNode, s.Utilization, s.Utilization, s.ReadersPerNode));
        foreach (var line in plan.Explain())
        {
            // Plain lines, not wrapped to the terminal: they are read, copied and diffed.
            Console.Out.WriteLine(line);
        }
        return ExitCodes.Passed;
    }
}

public sealed class FeedSettings : CommonSettings
{
    protected override string ScenarioName => "feed";

    [CommandOption("-r|--readers <N>")] [Description("Readers on the feed (default 100).")]
    public int? Readers { get; init; }

    [CommandOption("--articles <N>")] [Description("Articles published (default 100).")]
    public int? Articles { get; init; }

    [CommandOption("--publish-rate <PER_SECOND>")] [Description("Articles a second (default 10).")]
    public double? PublishRate { get; init; }

    [CommandOption("--warm-up <ARTICLES>")]
    [Description("Articles published to the same readers first and left out of every figure (default 0): a node just started compiles its hot paths under its first load.")]
    public int? WarmUp { get; init; }

    public override ValidationResult Validate() =>
        base.Validate() is { Successful: false } refused ? refused
        : WarmUp is < 0 ? ValidationResult.Error("--warm-up is a number of articles from 0 (no warm-up).")
        : ValidationResult.Success();
}

public sealed class SoakSettings : CommonSettings
{
    protected override string ScenarioName => "soak";

    [CommandOption("--duration <SECONDS>")] [Description("Default 600.")]
    public double? Duration { get; init; }

    [CommandOption("--rate <VOTES_PER_SECOND>")] [Description("Default 500.")]
    public double? Rate { get; init; }

    [CommandOption("-v|--voters <N>")] [Description("Default 50,000.")]
    public int? Voters { get; init; }

    [CommandOption("--poll-readers <N>")] [Description("Default 200.")]
    public int? PollReaders { get; init; }

    [CommandOption("--feed-readers <N>")] [Description("Default 200.")]
    public int? FeedReaders { get; init; }

    [CommandOption("--churn-percent <PERCENT>")] [Description("Readers replaced each minute, in percent (default 10).")]
    public double? ChurnPercent { get; init; }

    [CommandOption("--transport <TRANSPORT>")] [Description("hub (default) or http.")]
    public Transport? Transport { get; init; }
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
        var file = s.Scenario;
        return Runner.RunAsync(s, s.Shard is null ? "surge" : $"surge-shard-{index}", (target, progress, ct) => new SurgeScenario(target, new SurgeOptions
        {
            Readers = Share(s.Readers ?? file?.Readers ?? 100, index, count),
            Voters = Share(s.Voters ?? file?.Voters ?? 10_000, index, count),
            Profile = s.Profile().Scaled(1.0 / count),
            Transport = s.Transport ?? file?.Transport ?? Transport.Hub,
            // A mix from the file, unless the command line names one transport.
            HttpShare = s.Transport is null ? file?.HttpShare : null,
            Polls = s.Polls ?? file?.Polls ?? 1,
            // A reader mix from the file, unless the command line names one protocol.
            JsonReaderShare = s.Protocol is null ? file?.JsonReaderShare : null,
            ReaderArrival = s.ReaderArrival is { } arrival ? TimeSpan.FromSeconds(arrival) : file?.ReaderArrival ?? TimeSpan.Zero,
            VoteConnections = Math.Max(1, Share(s.Connections ?? file?.Connections ?? 64, index, count)),
            MaxInFlight = Math.Max(1, Share(s.MaxInFlight ?? file?.MaxInFlight ?? 50_000, index, count)),
            PollId = s.Poll,
            Kind = s.Kind ?? file?.Kind ?? PollKind.Choice,
            Shard = s.ParsedShard,
            WaitToStart = s.AwaitGo ? ShardCoordinator.AwaitGoAsync : s.StartAt is { } at ? ct2 => Task.Delay(Max(at - DateTimeOffset.UtcNow), ct2) : null,
            AbortWhen = count == 1 && (s.AbortOnFail ?? file?.AbortOnFail ?? false) ? AbortWhen(s.AllThresholds) : null,
        }, progress).RunAsync(ct), cancellationToken);
    }

    /// <summary>The first of the run's thresholds that can no longer hold, as the reason to stop sending.</summary>
    private static Func<RunMeter, string?> AbortWhen(IEnumerable<string> thresholds)
    {
        var parsed = thresholds.Select(Threshold.Parse).ToList();
        return meter => parsed.Select(t => t.Hopeless(meter)).FirstOrDefault(reason => reason is not null);
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
        if (s.Html is { } html)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(html))!);
            File.WriteAllText(html, ReportWriter.ComparisonHtml(baseline, candidate, changes, results));
            console.MarkupLine($"Comparison: [link]{Markup.Escape(Path.GetFullPath(html))}[/]");
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
            Readers = s.Readers ?? s.Scenario?.Readers ?? 100,
            Articles = s.Articles ?? s.Scenario?.Articles ?? 100,
            PublishRate = s.PublishRate ?? s.Scenario?.PublishRate ?? 10,
            WarmUpArticles = s.WarmUp ?? s.Scenario?.WarmUpArticles ?? 0,
        }, progress).RunAsync(ct), cancellationToken);
}

public sealed class SoakCommand : AsyncCommand<SoakSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, SoakSettings s, CancellationToken cancellationToken) =>
        Runner.RunAsync(s, "soak", (target, progress, ct) => new SoakScenario(target, new SoakOptions
        {
            Duration = s.Duration is { } seconds ? TimeSpan.FromSeconds(seconds) : s.Scenario?.Duration ?? TimeSpan.FromMinutes(10),
            VoteRate = s.Rate ?? s.Scenario?.Rate ?? 500,
            Voters = s.Voters ?? s.Scenario?.Voters ?? 50_000,
            PollReaders = s.PollReaders ?? s.Scenario?.PollReaders ?? 200,
            FeedReaders = s.FeedReaders ?? s.Scenario?.FeedReaders ?? 200,
            ChurnPercent = s.ChurnPercent ?? s.Scenario?.ChurnPercent ?? 10,
            Transport = s.Transport ?? s.Scenario?.Transport ?? Transport.Hub,
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
        if (settings.Scenario is { } file)
        {
            console.MarkupLine($"Scenario [bold]{Markup.Escape(settings.ScenarioPath!)}[/]{(file.Description is { } d ? ": " + Markup.Escape(d) : "")}");
        }
        RunReport report;
        try
        {
            report = WithScenarioFile(settings, await run(target, new ConsoleProgress(console), cancellationToken));
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

    /// <summary>The report naming the scenario file the run started from, and its description.</summary>
    private static RunReport WithScenarioFile(CommonSettings settings, RunReport report)
    {
        if (settings.Scenario is not { } file)
        {
            return report;
        }
        var named = new Dictionary<string, string>(report.Settings) { ["scenario file"] = settings.ScenarioPath! };
        if (file.Description is { } description)
        {
            named["description"] = description;
        }
        return report with { Settings = named };
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
