namespace LivePoll.Contracts;

/// <summary>
/// What the server pushes to a connected client. Each method name is the event name a client
/// listens for (<see cref="ClientEvents"/> holds the same names as constants).
/// </summary>
public interface ILiveClient
{
    /// <summary>The newest counts or state of a poll this connection subscribed to.</summary>
    Task PollSnapshot(PollSnapshot snapshot);

    /// <summary>A change to the feed, to connections that called SubscribeFeed; in sequence order, each once.</summary>
    Task FeedEvent(FeedEvent feedEvent);

    /// <summary>The feed's numbering began again (the store lost data): reload the feed; to connections that called SubscribeFeed.</summary>
    Task FeedReset(FeedReset reset);

    /// <summary>A reader sent a tip; newsroom connections only.</summary>
    Task TipReceived(Tip tip);

    /// <summary>A tip was marked handled or promoted; newsroom connections only.</summary>
    Task TipUpdated(Tip tip);

    /// <summary>
    /// An article changed in any way the desk shows (a draft saved, submitted, returned, published, corrected…), with the
    /// newsroom's view of it; newsroom connections only. At most once; a desk that reconnects reloads its list.
    /// </summary>
    Task ArticleChanged(ArticleView article);
}
