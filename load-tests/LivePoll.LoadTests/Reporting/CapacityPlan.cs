namespace LivePoll.LoadTests.Reporting;

/// <summary>What the newsroom expects at its busiest: readers connected at once, votes a second, articles a minute.</summary>
public sealed record PlanDemand(long Readers, double VotesPerSecond, double ArticlesPerMinute);

/// <summary>
/// What one unit of work costs, and where each figure came from: server CPU per acknowledged vote and per delivered
/// message (measured by the tool), store CPU per vote, and the snapshots each reader of a busy poll gets a second.
/// </summary>
public sealed record UnitCosts(
    double MicrosPerVote, string VoteSource,
    double MicrosPerMessage, string MessageSource,
    double StoreMicrosPerVote, string StoreSource,
    double SnapshotsPerReaderPerSecond, string SnapshotSource)
{
    /// <summary>
    /// Redis CPU per vote of the batched vote script with its audit record (redis-benchmark of <c>--print-vote-script</c>,
    /// load-tests/README.md "What limits these figures": 11–16 µs, the upper end).
    /// </summary>
    public const double MeasuredStoreMicrosPerVote = 16;

    /// <summary>A busy poll changes every turn, so each reader gets one snapshot per turn: Polls:SnapshotIntervalMs 100 ms.</summary>
    public const double SnapshotsPerReaderAtTheCap = 10;

    /// <summary>
    /// The unit costs in <paramref name="reports"/>: CPU per vote from the run with the most votes per delivered
    /// message, CPU per message from the run with the most messages per vote. Each figure is the run's whole server CPU
    /// over its window divided by one count, so it carries a little of the other work: the plan errs towards more cores.
    /// </summary>
    public static (double? PerVote, string VoteSource, double? PerMessage, string MessageSource) From(IReadOnlyList<(string Path, RunReport Report)> reports)
    {
        var measured = reports.Where(r => r.Report.Cpu is { ServerCpuSeconds: not null }).ToList();
        var votes = measured.Where(r => r.Report.Cpu!.ServerMicrosPerVote is not null)
            .OrderByDescending(r => (double)r.Report.Cpu!.Votes / Math.Max(1, r.Report.Cpu.Delivered)).FirstOrDefault();
        var messages = measured.Where(r => r.Report.Cpu!.ServerMicrosPerDelivered is not null)
            .OrderByDescending(r => (double)r.Report.Cpu!.Delivered / Math.Max(1, r.Report.Cpu.Votes)).FirstOrDefault();
        return (votes.Report?.Cpu?.ServerMicrosPerVote, votes.Path ?? "", messages.Report?.Cpu?.ServerMicrosPerDelivered, messages.Path ?? "");
    }
}

/// <summary>How far the plan may load what it provisions.</summary>
/// <param name="CoresPerNode">Cores of one LivePoll node.</param>
/// <param name="NodeUtilization">Share of a node's cores the plan fills at the peak (the rest is headroom for a node lost, GC, spikes).</param>
/// <param name="StoreUtilization">Share of one store shard's core (Redis runs commands on one thread) the plan fills.</param>
/// <param name="ReadersPerNode">Connections one node is given at most (file descriptors, memory, the time to reconnect them after a restart).</param>
public sealed record PlanLimits(int CoresPerNode = 8, double NodeUtilization = 0.6, double StoreUtilization = 0.6, long ReadersPerNode = 50_000);

/// <summary>
/// The nodes, cores and store shards a demand needs, from measured unit costs, with every intermediate figure kept so
/// the arithmetic can be read (and checked) line by line.
/// </summary>
public sealed record CapacityPlan(
    PlanDemand Demand, UnitCosts Costs, PlanLimits Limits,
    double MessagesPerSecond, double VoteCores, double DeliveryCores, double NodeCores,
    int NodesForCpu, int NodesForReaders, int Nodes, double StoreCores, int StoreShards)
{
    public static CapacityPlan Of(PlanDemand demand, UnitCosts costs, PlanLimits limits)
    {
        // Every reader holds the busy poll and follows the feed: a snapshot per turn, and every article once.
        var messages = demand.Readers * (costs.SnapshotsPerReaderPerSecond + demand.ArticlesPerMinute / 60);
        var voteCores = demand.VotesPerSecond * costs.MicrosPerVote / 1e6;
        var deliveryCores = messages * costs.MicrosPerMessage / 1e6;
        var nodeCores = (voteCores + deliveryCores) / limits.NodeUtilization;
        var forCpu = (int)Math.Ceiling(nodeCores / limits.CoresPerNode);
        var forReaders = (int)Math.Ceiling((double)demand.Readers / limits.ReadersPerNode);
        var storeCores = demand.VotesPerSecond * costs.StoreMicrosPerVote / 1e6;
        return new CapacityPlan(demand, costs, limits, messages, voteCores, deliveryCores, nodeCores,
            forCpu, forReaders, Math.Max(1, Math.Max(forCpu, forReaders)),
            storeCores, Math.Max(1, (int)Math.Ceiling(storeCores / limits.StoreUtilization)));
    }

    /// <summary>The plan as lines a person reads: the assumptions first, then each step with its numbers.</summary>
    public IReadOnlyList<string> Explain()
    {
        static string N(double v) => v.ToString(v >= 100 ? "#,0" : "#,0.##", System.Globalization.CultureInfo.InvariantCulture);
        return
        [
            $"Demand: {N(Demand.Readers)} readers at once, {N(Demand.VotesPerSecond)} votes/s, {N(Demand.ArticlesPerMinute)} articles/min.",
            $"Server CPU per vote {N(Costs.MicrosPerVote)} µs ({Costs.VoteSource}); per delivered message {N(Costs.MicrosPerMessage)} µs ({Costs.MessageSource}).",
            $"Store CPU per vote {N(Costs.StoreMicrosPerVote)} µs ({Costs.StoreSource}); {N(Costs.SnapshotsPerReaderPerSecond)} snapshots per reader a second ({Costs.SnapshotSource}).",
            $"Assumed: every reader holds the busy poll and follows the feed; nodes loaded to {N(Limits.NodeUtilization * 100)}% of {Limits.CoresPerNode} cores and at most {N(Limits.ReadersPerNode)} readers each; a store shard to {N(Limits.StoreUtilization * 100)}% of its one core; the backplane carries one message per poll turn and article per node, negligible beside these.",
            $"Messages: {N(Demand.Readers)} × ({N(Costs.SnapshotsPerReaderPerSecond)} + {N(Demand.ArticlesPerMinute)}/60) = {N(MessagesPerSecond)} a second.",
            $"Votes: {N(Demand.VotesPerSecond)} × {N(Costs.MicrosPerVote)} µs = {N(VoteCores)} cores; delivery: {N(MessagesPerSecond)} × {N(Costs.MicrosPerMessage)} µs = {N(DeliveryCores)} cores.",
            $"Node cores: ({N(VoteCores)} + {N(DeliveryCores)}) / {N(Limits.NodeUtilization)} = {N(NodeCores)}; nodes for CPU ⌈{N(NodeCores)} / {Limits.CoresPerNode}⌉ = {NodesForCpu}, for readers ⌈{N(Demand.Readers)} / {N(Limits.ReadersPerNode)}⌉ = {NodesForReaders}.",
            $"Store: {N(Demand.VotesPerSecond)} × {N(Costs.StoreMicrosPerVote)} µs = {N(StoreCores)} cores; shards ⌈{N(StoreCores)} / {N(Limits.StoreUtilization)}⌉ = {StoreShards}.",
            $"Plan: {Nodes} nodes of {Limits.CoresPerNode} cores ({Nodes * Limits.CoresPerNode} cores), {StoreShards} store shard{(StoreShards == 1 ? "" : "s")} (Redis Cluster primaries; add a replica each for failover).",
        ];
    }
}
