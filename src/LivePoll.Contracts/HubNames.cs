namespace LivePoll.Contracts;

/// <summary>Where the hubs live; the one source of these paths.</summary>
public static class HubPaths
{
    /// <summary>The live hub's URL path on every node.</summary>
    public const string Live = "/hubs/live";
}

/// <summary>Names of the methods a client may invoke on the live hub.</summary>
public static class HubMethods
{
    /// <summary>Returns a <see cref="ServerInfo"/>: which node answered, its version and its clock.</summary>
    public const string GetServerInfo = nameof(GetServerInfo);

    /// <summary>
    /// <c>SubscribePoll(pollId)</c>: returns the poll's current <see cref="PollSnapshot"/> at once, then sends
    /// <see cref="ClientEvents.PollSnapshot"/> as votes arrive (coalesced) and when it opens or closes.
    /// </summary>
    public const string SubscribePoll = nameof(SubscribePoll);

    /// <summary><c>UnsubscribePoll(pollId)</c>: stops the poll's snapshots for this connection.</summary>
    public const string UnsubscribePoll = nameof(UnsubscribePoll);

    /// <summary><c>Vote(VoteRequest)</c>: returns a <see cref="VoteResult"/> once the store has answered.</summary>
    public const string Vote = nameof(Vote);

    /// <summary>
    /// <c>SubscribeFeed(afterSequence)</c>: returns a <see cref="FeedCatchUp"/> with every change after
    /// <c>afterSequence</c> (null: none, just the current sequence), then sends each later change once, in
    /// order, as <see cref="ClientEvents.FeedEvent"/>.
    /// </summary>
    public const string SubscribeFeed = nameof(SubscribeFeed);

    /// <summary>
    /// <c>JoinNewsroom()</c>, newsroom accounts only (any role): returns the unhandled tips, newest first, then sends
    /// <see cref="ClientEvents.TipReceived"/>, <see cref="ClientEvents.TipUpdated"/> and <see cref="ClientEvents.ArticleChanged"/>.
    /// </summary>
    public const string JoinNewsroom = nameof(JoinNewsroom);
}

/// <summary>Names of the events the server sends to clients; each matches a method of <see cref="ILiveClient"/>.</summary>
public static class ClientEvents
{
    /// <summary>A <see cref="Contracts.PollSnapshot"/> of a subscribed poll: new counts, or a state change.</summary>
    public const string PollSnapshot = nameof(ILiveClient.PollSnapshot);

    /// <summary>A <see cref="Contracts.FeedEvent"/>: an article published, corrected, retracted, pinned or unpinned.</summary>
    public const string FeedEvent = nameof(ILiveClient.FeedEvent);

    /// <summary>A <see cref="Contracts.FeedReset"/>: the store lost feed data; reload the feed (new epoch).</summary>
    public const string FeedReset = nameof(ILiveClient.FeedReset);

    /// <summary>A new <see cref="Tip"/>, to newsroom connections only.</summary>
    public const string TipReceived = nameof(ILiveClient.TipReceived);

    /// <summary>A <see cref="Tip"/> marked handled or promoted, to newsroom connections only.</summary>
    public const string TipUpdated = nameof(ILiveClient.TipUpdated);

    /// <summary>An <see cref="ArticleView"/> (the newsroom's view) that changed, drafts included, to newsroom connections only.</summary>
    public const string ArticleChanged = nameof(ILiveClient.ArticleChanged);
}
