namespace LivePoll.Server.Polls;

/// <summary>Log messages of polls, with stable event ids.</summary>
internal static partial class PollLog
{
    [LoggerMessage(2001, LogLevel.Warning, "Could not read {Count} followed poll(s) for their snapshots; retrying every tick: {Message}")]
    public static partial void SnapshotsFailing(ILogger logger, int count, string message);

    [LoggerMessage(2005, LogLevel.Information, "Poll snapshots are being read and sent again.")]
    public static partial void SnapshotsResumed(ILogger logger);

    [LoggerMessage(2002, LogLevel.Information, "Poll {PollId} opened or closed on schedule.")]
    public static partial void ScheduleApplied(ILogger logger, string pollId);

    [LoggerMessage(2003, LogLevel.Warning, "Could not check scheduled poll changes; retrying: {Message}")]
    public static partial void ScheduleCheckFailed(ILogger logger, string message);

    [LoggerMessage(2010, LogLevel.Warning, "No font with Kazakh letters found for the shareable results images (looked for {Paths}); "
        + "they will use Skia's default font. Install Debian's fonts-dejavu-core.")]
    public static partial void NoResultsFont(ILogger logger, string paths);

    [LoggerMessage(2006, LogLevel.Warning, "Poll {PollId} went back from version {Seen} to {Stored} in the store: it lost its newest votes "
        + "(a failover to a replica that had not received them, or a restart from an older file). Readers are given the counts as they "
        + "are now, under a new epoch.")]
    public static partial void VersionWentBack(ILogger logger, string pollId, long seen, long stored);

    [LoggerMessage(2011, LogLevel.Warning, "After an unclean stop the embedded store replayed part of a vote batch that was never acknowledged; "
        + "counted {Count} poll(s) again from their audit records: {PollIds}.")]
    public static partial void TornBatchesRepaired(ILogger logger, int count, string pollIds);

    [LoggerMessage(2004, LogLevel.Information, "Opened the demo poll {PollId} with the seed page's counts.")]
    public static partial void DemoPollSeeded(ILogger logger, string pollId);
}
