using System.ComponentModel.DataAnnotations;

namespace LivePoll.Server.Polls;

/// <summary>Settings of live poll results (section <c>Polls</c>).</summary>
public sealed class PollOptions
{
    public const string Section = "Polls";

    /// <summary>How often, at most, each reader gets a snapshot of a poll that changed (milliseconds).</summary>
    [Range(10, 10_000)]
    public int SnapshotIntervalMs { get; set; } = 100;

    /// <summary>
    /// Into how many slices each node deals a poll's followers, written one after another across the snapshot
    /// interval: each reader still gets at most one snapshot per interval, and a large audience is written in
    /// small bursts. 1 writes everyone at once.
    /// </summary>
    [Range(1, 20)]
    public int FanOutSlices { get; set; } = 5;

    /// <summary>How often each node looks for scheduled openings and closings that are due (milliseconds).</summary>
    [Range(50, 60_000)]
    public int ScheduleCheckIntervalMs { get; set; } = 500;

    /// <summary>Open the seed page's poll with its counts when running on the embedded store.</summary>
    public bool SeedDemoData { get; set; } = true;
}
