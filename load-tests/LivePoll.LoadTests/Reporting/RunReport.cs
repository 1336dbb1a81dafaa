using LivePoll.LoadTests.Measurement;

namespace LivePoll.LoadTests.Reporting;

/// <summary>Everything a run found, as written to report.json, report.md and report.html.</summary>
public sealed record RunReport
{
    public required string Scenario { get; init; }
    public DateTime StartedAt { get; init; } = DateTime.UtcNow;
    public required IReadOnlyDictionary<string, string> Settings { get; init; }
    public double SetupSeconds { get; init; }
    public double RunSeconds { get; init; }
    public long Sent { get; init; }
    public long Acknowledged { get; init; }
    public long Failed { get; init; }
    public long NotSent { get; init; }
    public IReadOnlyDictionary<string, long> Outcomes { get; init; } = new Dictionary<string, long>();
    public LatencySummary? AckLatency { get; init; }
    public LatencySummary? VoteToReaderLatency { get; init; }
    public LatencySummary? PublishToDeliveryLatency { get; init; }
    public double SnapshotsPerReaderPerSecond { get; init; }
    public long PeakAcknowledgedPerSecond { get; init; }
    public double HoldAcknowledgedPerSecond { get; init; }
    public long Connects { get; init; }
    public long Disconnects { get; init; }
    public long Reconnects { get; init; }
    public long Errors { get; init; }
    public IReadOnlyDictionary<string, long> ErrorKinds { get; init; } = new Dictionary<string, long>();
    public IReadOnlyList<TimelinePoint> Timeline { get; init; } = [];
    public IReadOnlyList<MemorySample> Memory { get; init; } = [];
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>Server and tool CPU over the measured window, per acknowledged vote and per delivered message.</summary>
    public CpuReport? Cpu { get; init; }

    /// <summary>For one shard of a run spread over processes (<c>--shard K/N</c>): what <c>merge</c> needs.</summary>
    public ShardData? Shard { get; init; }
    public required Verdict Verdict { get; init; }

    /// <summary>The run's thresholds (<c>--threshold</c>), each with what was measured and PASS or FAIL.</summary>
    public IReadOnlyList<ThresholdResult> Thresholds { get; init; } = [];
}

/// <summary>
/// What one shard of a surge adds to the merged run: its place, the poll and its count before any shard voted, the
/// votes it could not place an answer on, and its histograms encoded in HdrHistogram's log format.
/// </summary>
public sealed record ShardData(int Index, int Count, string PollId, long InitialTotal, long Unanswered,
    IReadOnlyDictionary<string, string> Histograms);

/// <summary>Server memory at one moment of a soak, from its /metrics.</summary>
public sealed record MemorySample(double Second, double WorkingSetMb, double ManagedHeapMb);

/// <summary>Whether the run's correctness checks held, and what each check found.</summary>
public sealed record Verdict(bool Passed, IReadOnlyList<string> Checks);

public static class Verdicts
{
    /// <summary>
    /// Votes: every acknowledged vote is counted (none lost), and nothing beyond them is counted except, at
    /// most, votes whose answer never came back (they may have been counted before the answer was lost).
    /// </summary>
    public static Verdict Votes(long acknowledgedAccepted, long counted, long unanswered)
    {
        var lost = acknowledgedAccepted - counted;
        var extra = counted - acknowledgedAccepted;
        var checks = new List<string>
        {
            $"server counted {counted} new votes; {acknowledgedAccepted} were acknowledged as Accepted; {unanswered} got no answer",
        };
        if (lost > 0)
        {
            checks.Add($"FAIL: {lost} acknowledged votes are missing from the count");
        }
        if (extra > unanswered)
        {
            checks.Add($"FAIL: {extra - unanswered} votes counted beyond the acknowledged and unanswered ones (counted twice?)");
        }
        return new Verdict(lost <= 0 && extra <= unanswered, checks);
    }

    /// <summary>
    /// Votes over several polls at once: in every poll each acknowledged vote is counted, and what is counted beyond
    /// the acknowledged votes, over all polls, is at most the votes whose answer never came back.
    /// </summary>
    public static Verdict Polls(IReadOnlyList<(string PollId, long Accepted, long Counted)> polls, long unanswered)
    {
        if (polls.Count == 1)
        {
            return Votes(polls[0].Accepted, polls[0].Counted, unanswered);
        }
        var checks = new List<string>
        {
            $"{polls.Count} polls: server counted {polls.Sum(p => p.Counted)} new votes; {polls.Sum(p => p.Accepted)} were acknowledged as Accepted; {unanswered} got no answer",
        };
        var lostSomewhere = false;
        foreach (var (pollId, accepted, counted) in polls)
        {
            checks.Add($"poll {pollId}: counted {counted}, acknowledged {accepted}");
            if (accepted > counted)
            {
                lostSomewhere = true;
                checks.Add($"FAIL: poll {pollId}: {accepted - counted} acknowledged votes are missing from the count");
            }
        }
        var extra = polls.Sum(p => Math.Max(0, p.Counted - p.Accepted));
        if (extra > unanswered)
        {
            checks.Add($"FAIL: {extra - unanswered} votes counted beyond the acknowledged and unanswered ones (counted twice?)");
        }
        return new Verdict(!lostSomewhere && extra <= unanswered, checks);
    }
}
