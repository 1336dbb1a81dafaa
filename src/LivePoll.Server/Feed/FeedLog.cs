namespace LivePoll.Server.Feed;

/// <summary>Log messages of the feed, with stable event ids.</summary>
internal static partial class FeedLog
{
    [LoggerMessage(3004, LogLevel.Warning, "Connection {ConnectionId} fell too far behind the feed and was disconnected; it will catch up when it reconnects.")]
    public static partial void SlowReader(ILogger logger, string connectionId);

    [LoggerMessage(3001, LogLevel.Warning, "Could not read the feed log; retrying: {Message}")]
    public static partial void RelayFailed(ILogger logger, string message);

    [LoggerMessage(3002, LogLevel.Warning, "Could not publish scheduled articles; retrying: {Message}")]
    public static partial void ScheduleFailed(ILogger logger, string message);

    [LoggerMessage(3005, LogLevel.Warning, "The feed store lost data (epoch {OldEpoch} at sequence {Delivered}, now epoch {NewEpoch} at sequence {Last}): "
        + "readers are told to reload the feed, and delivery continues from the new epoch's first event.")]
    public static partial void FeedReset(ILogger logger, string oldEpoch, string newEpoch, long delivered, long last);

    [LoggerMessage(3006, LogLevel.Warning, "Article {ArticleId} (version {Version}) holds characters XML cannot carry (control characters, "
        + "noncharacters or unpaired surrogates), stored before text was cleaned on entry: the RSS and Atom feeds leave them out. A correction "
        + "of those fields stores them clean. Said once per article version.")]
    public static partial void UnwritableText(ILogger logger, string articleId, int version);

    [LoggerMessage(3007, LogLevel.Warning, "After an unclean stop the embedded store kept {Count} feed sequence number(s) without their event "
        + "(a publish never acknowledged); the sequence continues from the newest event, {Last}.")]
    public static partial void TornSequenceRepaired(ILogger logger, long count, long last);

    [LoggerMessage(3003, LogLevel.Information, "Published the demo feed: the seed page's article and {Count} more.")]
    public static partial void DemoFeedSeeded(ILogger logger, int count);
}
