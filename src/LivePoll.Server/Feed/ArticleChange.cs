using LivePoll.Contracts;

namespace LivePoll.Server.Feed;

/// <summary>What became of an article change in the store (<see cref="FeedStore.ChangeAsync"/>).</summary>
public enum ArticleChangeOutcome
{
    /// <summary>Stored as the next version (with its feed event, if any).</summary>
    Stored,

    /// <summary>The article changed since the version the change was made from: nothing was written.</summary>
    Stale,

    /// <summary>The idempotency key was used already: nothing was written; <see cref="ArticleChange.Replay"/> says by what.</summary>
    Replayed,
}

/// <summary>
/// What became of a change: the article as stored and the feed sequence of its event (0 without one); the current
/// version when stale; the key's "article id|fingerprint" when replayed.
/// </summary>
public sealed record ArticleChange(ArticleChangeOutcome Outcome, Article? Article, long Sequence, int Version, string? Replay);
