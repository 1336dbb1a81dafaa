using LivePoll.LoadTests;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;
using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.LoadTool;

/// <summary>The load tool's objectives: thresholds on a run's series, exit codes, and a run compared with a baseline.</summary>
public sealed class ThresholdTests
{
    private static RunReport Report(double ackP99Ms = 40, double cpuPerVote = 100, long notSent = 0, bool countHeld = true) => new()
    {
        Scenario = "surge",
        Settings = new Dictionary<string, string>(),
        Sent = 1_000,
        Acknowledged = 1_000,
        NotSent = notSent,
        HoldAcknowledgedPerSecond = 500,
        AckLatency = new LatencySummary(1_000, 5, 20, ackP99Ms, ackP99Ms + 10, ackP99Ms + 20, 8),
        Cpu = new CpuReport { ServerMicrosPerVote = cpuPerVote, Votes = 1_000 },
        Verdict = new Verdict(countHeld, []),
    };

    [Theory]
    [InlineData("ack.p99 < 250ms")]
    [InlineData("ack.p99 < 0.25s")]
    [InlineData("ack.p99<250000us")]
    [InlineData("ack.p99 < 250000 µs")]
    public void A_limit_is_read_in_the_unit_it_is_written_in(string expression)
    {
        var threshold = Threshold.Parse(expression);
        Assert.Equal(250, threshold.Limit, 6);
        Assert.True(threshold.Evaluate(Report(ackP99Ms: 249)).Passed);
        Assert.False(threshold.Evaluate(Report(ackP99Ms: 250)).Passed);
    }

    [Fact]
    public void Shares_counts_and_cpu_are_judged_in_their_own_units()
    {
        Assert.True(Threshold.Parse("dropped_share <= 1%").Evaluate(Report(notSent: 10)).Passed); // 10 of 1,010 due
        Assert.False(Threshold.Parse("dropped_share <= 0.5%").Evaluate(Report(notSent: 10)).Passed);
        Assert.False(Threshold.Parse("dropped < 1").Evaluate(Report(notSent: 1)).Passed);
        Assert.True(Threshold.Parse("cpu_per_vote < 0.15ms").Evaluate(Report(cpuPerVote: 149)).Passed);
        Assert.True(Threshold.Parse("acknowledged_per_second >= 500").Evaluate(Report()).Passed);
    }

    [Fact]
    public void A_series_the_run_did_not_measure_fails_its_threshold()
    {
        var result = Threshold.Parse("vote_to_reader.p99 < 250ms").Evaluate(Report());
        Assert.False(result.Passed);
        Assert.Null(result.Actual);
        Assert.Equal("FAIL  vote_to_reader.p99 < 250ms  (measured: not measured)", result.ToString());
    }

    [Theory]
    [InlineData("ack.p99 << 5ms", "is not SERIES OP LIMIT")]
    [InlineData("latency.p99 < 5ms", "no series 'latency.p99'. Series: ack.p50,")]
    [InlineData("ack.p99 < 5%", "ack.p99 is a time (write ms, s or us); '%' does not apply to it")]
    [InlineData("dropped < 2ms", "dropped is a number (no unit)")]
    [InlineData("cpu_per_vote < 2s", "cpu_per_vote is CPU time per unit (write us or ms); 's' does not apply to it")]
    public void A_malformed_threshold_is_refused_with_the_reason(string expression, string reason)
    {
        var refused = Assert.Throws<FormatException>(() => Threshold.Parse(expression));
        Assert.Contains(reason, refused.Message);
        Assert.Contains(expression, refused.Message);
    }

    [Fact]
    public void A_broken_count_exits_with_the_correctness_code_even_when_every_threshold_holds()
    {
        var broken = Report(countHeld: false);
        broken = broken with { Thresholds = [Threshold.Parse("ack.p99 < 60s").Evaluate(broken)] };
        Assert.True(broken.Thresholds.Single().Passed);
        Assert.Equal(ExitCodes.CorrectnessBroken, ExitCodes.Of(broken));

        var slow = Report(ackP99Ms: 300);
        Assert.Equal(ExitCodes.ObjectiveMissed, ExitCodes.Of(slow with { Thresholds = [Threshold.Parse("ack.p99 < 250ms").Evaluate(slow)] }));
        Assert.Equal(ExitCodes.Passed, ExitCodes.Of(slow));
    }

    [Fact]
    public void Compare_catches_a_30_percent_cpu_regression_and_passes_two_runs_within_the_tolerance()
    {
        var tolerances = new[] { Tolerance.Parse("cpu_per_vote +15%"), Tolerance.Parse("acknowledged_per_second -10%") };
        var baseline = Report(cpuPerVote: 100);

        var regressed = RunComparison.Of(baseline, Report(cpuPerVote: 130));
        Assert.Equal(30, regressed.Single(c => c.Name == "cpu_per_vote").ChangePercent!.Value, 6);
        var cpu = tolerances[0].Check(regressed);
        Assert.False(cpu.Passed);
        Assert.Equal("FAIL  cpu_per_vote +15%  (change in %: 30)", cpu.ToString());
        Assert.True(tolerances[1].Check(regressed).Passed);

        // The same build twice: the runs differ by noise, within the tolerance.
        var again = RunComparison.Of(baseline, Report(cpuPerVote: 104, ackP99Ms: 43));
        Assert.All(tolerances, t => Assert.True(t.Check(again).Passed));

        // Less is worse for a rate: a 20 % drop fails its tolerance; a series missing from a run cannot be judged.
        var slower = RunComparison.Of(baseline, Report() with { HoldAcknowledgedPerSecond = 400 });
        Assert.False(tolerances[1].Check(slower).Passed);
        Assert.False(Tolerance.Parse("vote_to_reader.p99 +10%").Check(slower).Passed);
    }

    [Fact]
    public async Task Compare_from_the_command_line_exits_3_on_a_regression_and_overlays_the_two_runs_timelines_in_one_page()
    {
        var folder = Directory.CreateTempSubdirectory("livepoll-compare-").FullName;
        try
        {
            // Two runs as the tool writes them, each with a timeline: the new one slower to reach readers.
            static IReadOnlyList<TimelinePoint> Seconds(double deliveryP99) =>
                [.. Enumerable.Range(0, 5).Select(i => new TimelinePoint(i, 500, 0, 40, 10, deliveryP99 + i, deliveryP99 / 2))];
            ReportWriter.WriteFiles(Report(cpuPerVote: 100) with { Timeline = Seconds(120) }, Path.Combine(folder, "base"));
            ReportWriter.WriteFiles(Report(cpuPerVote: 130) with { Timeline = Seconds(300) }, Path.Combine(folder, "new"));
            var page = Path.Combine(folder, "compare.html");

            var exitCode = await LoadTests.LoadTool.Main(["compare", Path.Combine(folder, "base"), Path.Combine(folder, "new"),
                "--fail-on", "cpu_per_vote +15%", "--html", page]);

            Assert.Equal(ExitCodes.ObjectiveMissed, exitCode);
            var html = new HtmlPage(await File.ReadAllTextAsync(page));
            Assert.Contains("FAIL  cpu_per_vote +15%", html.Find("li.fail")!.TextContent);
            var overlay = html.FindAll("figure").Single(f => f.QuerySelector("figcaption")!.TextContent.StartsWith("Vote-to-reader latency", StringComparison.Ordinal));
            Assert.Equal(2, overlay.QuerySelectorAll("polyline").Length);
            Assert.Equal(["base", "new"], overlay.QuerySelectorAll(".legend span").Select(e => e.TextContent));
            Assert.Contains(html.FindAll("tr"), row => row.TextContent.StartsWith("cpu_per_vote", StringComparison.Ordinal) && row.TextContent.Contains("+30.0 %", StringComparison.Ordinal));

            // Each run's own page charts its vote-to-reader latency second by second.
            var own = new HtmlPage(await File.ReadAllTextAsync(Path.Combine(folder, "new", "report.html")));
            Assert.Contains(own.FindAll("figcaption"), c => c.TextContent == "Vote-to-reader latency, by the second the vote was answered");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("cpu_per_vote 15%", "is not SERIES +N% or SERIES -N%")]
    [InlineData("cpu_per_vot +15%", "no series 'cpu_per_vot'")]
    public void A_malformed_tolerance_is_refused_with_the_reason(string rule, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => Tolerance.Parse(rule)).Message);
}
