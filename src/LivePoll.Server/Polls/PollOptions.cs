using System.ComponentModel.DataAnnotations;

namespace LivePoll.Server.Polls;

/// <summary>Settings of live poll results (section <c>Polls</c>).</summary>
public sealed class PollOptions
{
    public const string Section = "Polls";

    /// <summary>How often each node sends one coalesced snapshot of each poll that got votes (milliseconds).</summary>
    [Range(10, 10_000)]
    public int SnapshotIntervalMs { get; set; } = 100;

    /// <summary>How often each node looks for scheduled openings and closings that are due (milliseconds).</summary>
    [Range(50, 60_000)]
    public int ScheduleCheckIntervalMs { get; set; } = 500;

    /// <summary>Open the seed page's poll with its counts when running on the embedded store.</summary>
    public bool SeedDemoData { get; set; } = true;
}
