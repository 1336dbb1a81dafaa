using System.ComponentModel.DataAnnotations;

namespace LivePoll.Server.Tally;

/// <summary>The tally log (section "Tally"): how often it is extended and how often a head is signed.</summary>
public sealed class TallyOptions
{
    public const string Section = "Tally";

    /// <summary>Keep a verifiable log of every poll (on by default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the log's writer reads new audit records into leaves, in milliseconds.</summary>
    [Range(50, 60_000)]
    public int AppendIntervalMs { get; set; } = 500;

    /// <summary>The least time between two signed heads of a poll while it changes, in milliseconds (a closing poll is signed at once).</summary>
    [Range(100, 600_000)]
    public int HeadIntervalMs { get; set; } = 2_000;

    /// <summary>How long a node's turn as a poll's log writer lasts unless renewed: how long a crashed writer holds the log up.</summary>
    [Range(2, 600)]
    public int LeaseSeconds { get; set; } = 15;
}
