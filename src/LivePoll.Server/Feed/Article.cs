using LivePoll.Contracts;

namespace LivePoll.Server.Feed;

/// <summary>An article as stored (JSON in the feed's article hash). Its feed sequence lives in the feed index.</summary>
public sealed record Article
{
    public required string Id { get; init; }
    public required ArticleState State { get; init; }
    public required string Title { get; init; }
    public string? Lead { get; init; }
    public required string Body { get; init; }
    public string? ImageUrl { get; init; }
    public string? ImageCredit { get; init; }

    /// <summary>An uploaded main photo, its renditions and alt text (then <see cref="ImageUrl"/> is its <c>src</c>).</summary>
    public ArticleImage? Image { get; init; }

    public string? SourceName { get; init; }
    public string? SourceUrl { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public required string Language { get; init; }
    public bool Pinned { get; init; }
    public bool KeyEvent { get; init; }
    public DateTime? PublishedAt { get; init; }
    public DateTime? PublishAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
    public IReadOnlyList<Correction> Corrections { get; init; } = [];
    public string? TipCredit { get; init; }

    /// <summary>Polls shown with the article.</summary>
    public IReadOnlyList<string> PollIds { get; init; } = [];

    /// <summary>The account or key that wrote it, and its display name then.</summary>
    public string? Author { get; init; }

    public string? AuthorName { get; init; }

    /// <summary>The byline an editor set (null: the author's display name), and whether readers see none.</summary>
    public string? Byline { get; init; }

    public bool BylineHidden { get; init; }

    /// <summary>Display names of whoever changed it last and of whoever published it.</summary>
    public string? UpdatedBy { get; init; }

    public string? PublishedBy { get; init; }

    /// <summary>Why an editor returned the submission, and who did.</summary>
    public string? ReturnNote { get; init; }

    public string? ReturnedBy { get; init; }

    /// <summary>What readers see as the byline: null when hidden or when nobody is named.</summary>
    public string? ShownByline => BylineHidden ? null : Byline ?? AuthorName;

    /// <summary>Whether it is still being written (a draft, a submission, a returned one), not in the feed nor scheduled.</summary>
    public bool InWriting => State is ArticleState.Draft or ArticleState.Submitted or ArticleState.Returned;

    /// <summary>Grows by one with every change; the store refuses a change made from an older version.</summary>
    public int Version { get; init; }

    /// <summary>Whether readers find it in the feed.</summary>
    public bool InFeed => State is ArticleState.Published or ArticleState.Corrected;
}

/// <summary>A feed event as stored in the log; its sequence number is its score there.</summary>
public sealed record StoredFeedEvent(FeedEventKind Kind, DateTime At, Article Article, long ArticleSequence, string Nonce);
