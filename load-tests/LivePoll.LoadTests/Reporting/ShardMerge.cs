using System.Globalization;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Scenarios;

namespace LivePoll.LoadTests.Reporting;

/// <summary>
/// One surge from the reports of its shards (processes or machines that ran it together on one poll): counts and
/// outcomes summed, latency histograms merged value by value (not percentiles averaged), per-second timelines
/// added, the tools' CPU summed and the servers' taken once; then the verdict, against the poll's count now.
/// </summary>
public static class ShardMerge
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RunReport Read(string reportJson) =>
        JsonSerializer.Deserialize<RunReport>(File.ReadAllText(reportJson), Json)
        ?? throw new InvalidOperationException($"{reportJson} is not a report.");

    /// <summary>Merges the shards' reports; reads the poll's final count from <paramref name="target"/> for the verdict.</summary>
    public static async Task<RunReport> MergeAsync(IReadOnlyList<RunReport> shards, Target target, CancellationToken cancellationToken)
    {
        if (shards.Count == 0 || shards.Any(s => s.Shard is null))
        {
            throw new InvalidOperationException("Give the report.json of every shard of one run (runs made with --shard K/N).");
        }
        var first = shards.OrderBy(s => s.Shard!.Index).First();
        var count = first.Shard!.Count;
        var pollId = first.Shard.PollId;
        if (shards.Any(s => s.Shard!.PollId != pollId || s.Shard.Count != count))
        {
            throw new InvalidOperationException("These shards are not of one run: their polls or shard counts differ.");
        }
        var missing = Enumerable.Range(1, count).Except(shards.Select(s => s.Shard!.Index)).ToList();

        var ack = new Latency();
        var voteToReader = new Latency();
        foreach (var shard in shards)
        {
            ack.AddEncoded(shard.Shard!.Histograms["ack"]);
            voteToReader.AddEncoded(shard.Shard.Histograms["voteToReader"]);
        }

        var outcomes = shards.SelectMany(s => s.Outcomes).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.Sum(o => o.Value));
        var seconds = shards.Max(s => s.Timeline.Count);
        var timeline = Enumerable.Range(0, seconds).Select(i =>
        {
            var points = shards.Select(s => i < s.Timeline.Count ? s.Timeline[i] : null).OfType<TimelinePoint>().ToList();
            return new TimelinePoint(i, points.Sum(p => p.Acknowledged), points.Sum(p => p.Failed), points.Max(p => p.AckP99Ms), points.Max(p => p.AckP50Ms),
                points.Max(p => p.DeliveryP99Ms), points.Max(p => p.DeliveryP50Ms));
        }).ToList();
        var readers = shards.Sum(s => Setting(s, "readers"));

        // Every shard sampled the same servers over about the same window: their CPU once, the tools' summed.
        var cpus = shards.Select(s => s.Cpu).OfType<CpuReport>().ToList();
        CpuReport? cpu = null;
        if (cpus.Count > 0)
        {
            var server = first.Cpu ?? cpus[0];
            long votes = cpus.Sum(c => c.Votes), delivered = cpus.Sum(c => c.Delivered);
            var tool = cpus.Sum(c => c.ToolCpuSeconds);
            cpu = server with
            {
                ToolCpuSeconds = Math.Round(tool, 2),
                ToolCores = Math.Round(cpus.Sum(c => c.ToolCores), 2),
                Votes = votes,
                Delivered = delivered,
                ServerMicrosPerVote = Per(server.ServerCpuSeconds, votes),
                ServerMicrosPerDelivered = Per(server.ServerCpuSeconds, delivered),
                ToolMicrosPerVote = Per(tool, votes),
                ToolMicrosPerDelivered = Per(tool, delivered),
            };
        }

        var final = await target.ReadPollAsync(pollId, cancellationToken);
        var verdict = Verdicts.Votes(outcomes.GetValueOrDefault(nameof(VoteOutcome.Accepted)),
            (final.TotalVoters ?? 0) - shards.Min(s => s.Shard!.InitialTotal), shards.Sum(s => s.Shard!.Unanswered));
        var checks = verdict.Checks.Prepend($"merged {shards.Count} of {count} shards").ToList();
        if (missing.Count > 0)
        {
            checks.Add($"FAIL: no report from shard(s) {string.Join(", ", missing)}: their votes are not in the sums");
            verdict = verdict with { Passed = false };
        }
        var neverDelivered = shards.SelectMany(s => s.Verdict.Checks).Where(c => c.Contains("never saw", StringComparison.Ordinal)).ToList();
        checks.AddRange(neverDelivered);

        var settings = new Dictionary<string, string>(first.Settings)
        {
            ["processes"] = $"{count} shards",
            ["readers"] = readers.ToString(CultureInfo.InvariantCulture),
            ["voters"] = shards.Sum(s => Setting(s, "voters")).ToString(CultureInfo.InvariantCulture),
            ["rate"] = $"{shards.Sum(s => Setting(s, "rate"))}/s",
        };
        var runSeconds = shards.Max(s => s.RunSeconds);
        var (steadyFrom, steadyTo) = Steady(first);
        var holdFrom = (int)Math.Ceiling(steadyFrom);
        var holdTo = (int)Math.Floor(steadyTo);
        var hold = timeline.Skip(holdFrom).Take(holdTo - holdFrom).ToList();
        return new RunReport
        {
            Scenario = "surge",
            StartedAt = shards.Min(s => s.StartedAt),
            Settings = settings,
            SetupSeconds = shards.Max(s => s.SetupSeconds),
            RunSeconds = runSeconds,
            Sent = shards.Sum(s => s.Sent),
            Acknowledged = shards.Sum(s => s.Acknowledged),
            Failed = shards.Sum(s => s.Failed),
            NotSent = shards.Sum(s => s.NotSent),
            Outcomes = outcomes,
            AckLatency = ack.Summarize(),
            VoteToReaderLatency = voteToReader.Summarize(),
            SnapshotsPerReaderPerSecond = readers == 0 ? 0
                : Math.Round(shards.Sum(s => s.SnapshotsPerReaderPerSecond * Setting(s, "readers")) / readers, 2),
            PeakAcknowledgedPerSecond = timeline.Select(p => p.Acknowledged).DefaultIfEmpty().Max(),
            HoldAcknowledgedPerSecond = hold.Count == 0 ? 0 : Math.Round(hold.Average(p => p.Acknowledged), 1),
            Connects = shards.Sum(s => s.Connects),
            Disconnects = shards.Sum(s => s.Disconnects),
            Reconnects = shards.Sum(s => s.Reconnects),
            Errors = shards.Sum(s => s.Errors),
            ErrorKinds = shards.SelectMany(s => s.ErrorKinds).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value)),
            Timeline = timeline,
            Cpu = cpu,
            Verdict = verdict with { Checks = checks },
        };
    }

    private static double? Per(double? cpu, long units) => cpu is { } c && units > 0 ? Math.Round(c * 1e6 / units, 1) : null;

    /// <summary>A number from a shard's settings ("5000", "2500/s").</summary>
    private static double Setting(RunReport report, string name) =>
        double.Parse(report.Settings.GetValueOrDefault(name, "0").Split('/')[0], CultureInfo.InvariantCulture);

    /// <summary>Where a shard's rate was steady, in seconds from the start ("5-25 s").</summary>
    private static (double From, double To) Steady(RunReport report) =>
        report.Settings.GetValueOrDefault("steady", "0-0 s").Split(' ')[0].Split('-') is [var from, var to]
            ? (double.Parse(from, CultureInfo.InvariantCulture), double.Parse(to, CultureInfo.InvariantCulture))
            : (0, 0);
}
