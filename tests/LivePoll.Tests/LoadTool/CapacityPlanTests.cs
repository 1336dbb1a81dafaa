using LivePoll.LoadTests;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;

namespace LivePoll.Tests.LoadTool;

/// <summary>The capacity plan: unit costs read from run summaries, and the arithmetic from them to nodes and store shards.</summary>
public sealed class CapacityPlanTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("livepoll-plan-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A surge's summary as the tool writes it, with the server CPU it measured over its window.</summary>
    private string Summary(string name, long votes, long delivered, double serverCpuSeconds)
    {
        var report = new RunReport
        {
            Scenario = "surge",
            Settings = new Dictionary<string, string>(),
            Verdict = Verdicts.Votes(votes, votes, 0),
            Cpu = new CpuReport
            {
                WindowSeconds = 30, Source = "/proc", ServerCpuSeconds = serverCpuSeconds, Votes = votes, Delivered = delivered,
                ServerMicrosPerVote = serverCpuSeconds * 1e6 / votes, ServerMicrosPerDelivered = serverCpuSeconds * 1e6 / delivered,
            },
        };
        var folder = Path.Combine(_folder, name);
        ReportWriter.WriteFiles(report, folder);
        return folder;
    }

    [Fact]
    public async Task The_plan_takes_each_unit_cost_from_the_run_that_measured_it_best_and_its_arithmetic_adds_up()
    {
        // A vote surge with few readers (44.7 µs a vote) and a fan-out run with few votes (18.3 µs a message).
        var votes = Summary("votes", votes: 600_000, delivered: 60_000, serverCpuSeconds: 26.82);
        var fanOut = Summary("fanout", votes: 3_000, delivered: 2_000_000, serverCpuSeconds: 36.6);
        var (perVote, voteSource, perMessage, messageSource) = UnitCosts.From([(votes, ShardMerge.Read(Path.Combine(votes, "report.json"))),
            (fanOut, ShardMerge.Read(Path.Combine(fanOut, "report.json")))]);
        Assert.Equal(44.7, perVote!.Value, 6);
        Assert.Equal(votes, voteSource);
        Assert.Equal(18.3, perMessage!.Value, 6);
        Assert.Equal(fanOut, messageSource);

        var plan = CapacityPlan.Of(new PlanDemand(1_000_000, 50_000, 30),
            new UnitCosts(perVote.Value, voteSource, perMessage.Value, messageSource, 16, "redis-benchmark", 10, "turns"), new PlanLimits());

        // 1,000,000 readers × (10 snapshots + 30/60 articles) a second.
        Assert.Equal(10_500_000, plan.MessagesPerSecond, 6);
        Assert.Equal(50_000 * 44.7 / 1e6, plan.VoteCores, 6);                  // 2.235
        Assert.Equal(10_500_000 * 18.3 / 1e6, plan.DeliveryCores, 6);          // 192.15
        Assert.Equal((2.235 + 192.15) / 0.6, plan.NodeCores, 6);               // 323.975
        Assert.Equal(41, plan.NodesForCpu);                                    // ⌈323.975 / 8⌉
        Assert.Equal(20, plan.NodesForReaders);                                // ⌈1,000,000 / 50,000⌉
        Assert.Equal(41, plan.Nodes);
        Assert.Equal(0.8, plan.StoreCores, 6);                                 // 50,000 × 16 µs
        Assert.Equal(2, plan.StoreShards);                                     // ⌈0.8 / 0.6⌉
        Assert.Contains("Plan: 41 nodes of 8 cores (328 cores), 2 store shards", plan.Explain()[^1]);

        // Few readers and votes: the connection limit and the floor of one node and one shard decide.
        var small = CapacityPlan.Of(new PlanDemand(120_000, 10, 0),
            new UnitCosts(44.7, "", 18.3, "", 16, "", 1, ""), new PlanLimits(CoresPerNode: 64));
        Assert.Equal(1, small.NodesForCpu);
        Assert.Equal(3, small.Nodes);
        Assert.Equal(1, small.StoreShards);

        // The command: the same plan from the same summaries; without measured costs it says what it needs.
        Assert.Equal(ExitCodes.Passed, await LoadTests.LoadTool.Main(["plan", "--readers", "1000000", "--votes-per-second", "50000",
            "--articles-per-minute", "30", "--from", votes, "--from", fanOut]));
        Assert.Equal(ExitCodes.CouldNotRun, await LoadTests.LoadTool.Main(["plan", "--readers", "1000", "--votes-per-second", "5"]));
    }
}
