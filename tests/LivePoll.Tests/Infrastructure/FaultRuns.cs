using System.Globalization;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// How many times a kill or failover test runs (each run kills at a moment of its own). Two by default, so an ordinary
/// run of the suite stays short; set LIVEPOLL_FAULT_RUNS (e.g. 25) for a soak that hunts rare interleavings, as the
/// one that found Garnet replaying half a script did.
/// </summary>
public static class FaultRuns
{
    public const string Variable = "LIVEPOLL_FAULT_RUNS";

    public static int Count =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs > 0
            ? Math.Min(runs, 100) : 2;

    /// <summary>Run numbers 1..<see cref="Count"/>.</summary>
    public static TheoryData<int> Numbers()
    {
        var runs = new TheoryData<int>();
        foreach (var run in Enumerable.Range(1, Count))
        {
            runs.Add(run);
        }
        return runs;
    }
}
