namespace LivePoll.Server.Feed;

/// <summary>Settings of the live feed (section <c>Feed</c>).</summary>
public sealed class FeedOptions
{
    public const string Section = "Feed";

    /// <summary>
    /// How often each node reads the feed log even without a wake-up message (milliseconds), so a change whose
    /// pub/sub notice was lost (e.g. while Redis restarted) still reaches readers.
    /// </summary>
    public int RelayPollMs { get; set; } = 1_000;

    /// <summary>
    /// Feed events a connection may have waiting to be written; a reader that falls this far behind is
    /// disconnected, reconnects and catches up, instead of holding everyone else up.
    /// </summary>
    public int MaxQueuedPerConnection { get; set; } = 1_000;

    /// <summary>How often each node publishes scheduled articles that fell due (milliseconds).</summary>
    public int ScheduleCheckIntervalMs { get; set; } = 500;

    /// <summary>On the embedded store, publish the seed page's article and a few more across three days.</summary>
    public bool SeedDemoData { get; set; } = true;
}
