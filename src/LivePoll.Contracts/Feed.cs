using MessagePack;

namespace LivePoll.Contracts;

/// <summary>Where an article is in its life.</summary>
public enum ArticleState
{
    /// <summary>Written, not in the feed (e.g. a tip promoted by an editor).</summary>
    Draft,

    /// <summary>A draft its author (a contributor) handed to the editors to publish.</summary>
    Submitted,

    /// <summary>A submission an editor returned to its author with a note (<see cref="ArticleDesk.ReturnNote"/>).</summary>
    Returned,

    /// <summary>Appears in the feed by itself at <see cref="ArticleView.PublishAt"/>.</summary>
    Scheduled,

    Published,

    /// <summary>Published and since corrected; <see cref="ArticleView.CorrectionNote"/> says what changed.</summary>
    Corrected,

    /// <summary>Withdrawn from the feed.</summary>
    Retracted,
}

/// <summary>What a feed event did to an article.</summary>
public enum FeedEventKind
{
    Published,
    Corrected,
    Retracted,
    Pinned,
    Unpinned,

    /// <summary>Something else about the article changed that readers see, e.g. the polls it carries.</summary>
    Updated,
}

/// <summary>An article as readers see it. <see cref="Body"/> is sanitised HTML: safe to insert into a page.</summary>
[MessagePackObject]
public sealed record ArticleView
{
    [Key("id")] public required string Id { get; init; }

    /// <summary>The feed sequence number at which it was published; orders the feed. 0 while not published.</summary>
    [Key("sequence")] public required long Sequence { get; init; }

    [Key("state")] public required ArticleState State { get; init; }

    [Key("title")] public required string Title { get; init; }

    [Key("lead")] public string? Lead { get; init; }

    /// <summary>Rich text as HTML, sanitised with HtmlSanitizer's default allow-list.</summary>
    [Key("body")] public required string Body { get; init; }

    /// <summary>The main photo's address: an uploaded photo's <see cref="ArticleImage.Src"/>, or an address given by hand.</summary>
    [Key("imageUrl")] public string? ImageUrl { get; init; }

    /// <summary>Photo credit, e.g. "polisia.kz" (shown as "Сурет: polisia.kz").</summary>
    [Key("imageCredit")] public string? ImageCredit { get; init; }

    /// <summary>An uploaded main photo with its renditions and alt text (null for a photo given by address).</summary>
    [Key("image")] public ArticleImage? Image { get; init; }

    /// <summary>Who wrote it, as readers see it ("Айгерім Сәдуақасова"); null when the newsroom shows no byline.</summary>
    [Key("byline")] public string? Byline { get; init; }

    /// <summary>The newsroom's own facts about the article (author, who changed and published it, a return note); null for readers.</summary>
    [Key("desk")] public ArticleDesk? Desk { get; init; }

    [Key("sourceName")] public string? SourceName { get; init; }

    [Key("sourceUrl")] public string? SourceUrl { get; init; }

    [Key("tags")] public required IReadOnlyList<string> Tags { get; init; }

    /// <summary>Ids of the polls this article carries, shown live with it (subscribe to each).</summary>
    [Key("pollIds")] public IReadOnlyList<string> PollIds { get; init; } = [];

    /// <summary>kk, ru or en.</summary>
    [Key("language")] public required string Language { get; init; }

    [Key("pinned")] public required bool Pinned { get; init; }

    [Key("keyEvent")] public required bool KeyEvent { get; init; }

    /// <summary>When it appeared in the feed (UTC); null while a draft or scheduled.</summary>
    [Key("publishedAt")] public DateTime? PublishedAt { get; init; }

    /// <summary>When it appears by itself (UTC), for a scheduled article.</summary>
    [Key("publishAt")] public DateTime? PublishAt { get; init; }

    [Key("updatedAt")] public required DateTime UpdatedAt { get; init; }

    /// <summary>
    /// Grows by one with every change of the article. Its HTTP answers carry it as the ETag <c>"v{version}"</c>; send it back
    /// in If-Match to change the article only if nobody else changed it since (412 otherwise).
    /// </summary>
    [Key("version")] public int Version { get; init; }

    /// <summary>The latest correction's note, for a corrected article.</summary>
    [Key("correctionNote")] public string? CorrectionNote { get; init; }

    /// <summary>Every correction, oldest first.</summary>
    [Key("corrections")] public required IReadOnlyList<Correction> Corrections { get; init; }

    /// <summary>Credit to the reader whose tip this came from, when they agreed to be named.</summary>
    [Key("tipCredit")] public string? TipCredit { get; init; }

    /// <summary>The article's stable public URL.</summary>
    [Key("url")] public required string Url { get; init; }

    /// <summary>Share links by target: facebook, x, telegram, whatsapp, vk, email.</summary>
    [Key("share")] public required IReadOnlyDictionary<string, string> Share { get; init; }
}

/// <summary>One correction of an article.</summary>
[MessagePackObject]
public sealed record Correction
{
    [Key("at")] public required DateTime At { get; init; }

    [Key("note")] public required string Note { get; init; }

    /// <summary>The newsroom account or key that made it: kept in the store, shown in the activity log, never sent to readers (null in views).</summary>
    [Key("by")] public string? By { get; init; }
}

/// <summary>
/// One change to the feed, live event <see cref="ClientEvents.FeedEvent"/>. Sequence numbers grow by one per
/// change across the whole feed; a client that saw N asks for everything after N when it reconnects. In MessagePack,
/// members that are null (the article's too) are left out (<see cref="NilOmittingFormatter{T}"/>).
/// </summary>
[MessagePackObject]
[MessagePackFormatter(typeof(NilOmittingFormatter<FeedEvent>))]
public sealed record FeedEvent
{
    [Key("sequence")] public required long Sequence { get; init; }

    [Key("kind")] public required FeedEventKind Kind { get; init; }

    [Key("at")] public required DateTime At { get; init; }

    /// <summary>The article as it stood after this change.</summary>
    [Key("article")] public required ArticleView Article { get; init; }

    /// <summary>
    /// The feed's epoch: an id the store made when this feed's numbering began. Sequence numbers compare only within one
    /// epoch; an event of another epoch than the page's means the store lost data: reload the feed.
    /// </summary>
    [Key("epoch")] public string Epoch { get; init; } = "";
}

/// <summary>
/// Live event <see cref="ClientEvents.FeedReset"/>: the store lost feed data (flushed, restarted without persistence,
/// failed over) and numbering began again under a new epoch. Reload the feed page; events that follow belong to the new epoch.
/// </summary>
[MessagePackObject]
public sealed record FeedReset
{
    [Key("epoch")] public required string Epoch { get; init; }

    /// <summary>The newest sequence number in the new epoch when the reset was noticed.</summary>
    [Key("lastSequence")] public required long LastSequence { get; init; }
}

/// <summary>The feed changes after a sequence number, oldest first.</summary>
[MessagePackObject]
public sealed record FeedCatchUp
{
    [Key("events")] public required IReadOnlyList<FeedEvent> Events { get; init; }

    /// <summary>The newest sequence number covered; live events follow from the one after it.</summary>
    [Key("lastSequence")] public required long LastSequence { get; init; }

    /// <summary>False when there were more changes than one answer holds: reload the feed page instead.</summary>
    [Key("complete")] public required bool Complete { get; init; }

    /// <summary>The feed's epoch (see <see cref="FeedEvent.Epoch"/>): when it is not the page's, reload the feed page.</summary>
    [Key("epoch")] public string Epoch { get; init; } = "";
}

/// <summary>A page of the feed, newest first, grouped by day in the newsroom's time zone.</summary>
public sealed record FeedPage
{
    public required IReadOnlyList<FeedDay> Days { get; init; }

    /// <summary>Pinned articles (first page only).</summary>
    public required IReadOnlyList<ArticleView> Pinned { get; init; }

    /// <summary>Pass as <c>before</c> for the next (older) page; null on the last page.</summary>
    public long? NextBefore { get; init; }

    /// <summary>The newest feed sequence number when this page was read: subscribe with it to get later changes.</summary>
    public required long LastSequence { get; init; }

    /// <summary>The feed's epoch (see <see cref="FeedEvent.Epoch"/>) this page and its sequence numbers belong to.</summary>
    public string Epoch { get; init; } = "";

    /// <summary>The newsroom's IANA time zone (e.g. Asia/Almaty): days and times are shown in it.</summary>
    public required string TimeZone { get; init; }

    /// <summary>The public site's address (Newsroom:PublicBaseUrl): the base of permalinks and of the screen's join link.</summary>
    public required string SiteUrl { get; init; }
}

/// <summary>One day of the feed, labelled in the requested language ("Бүгін", "Кеше", "03 желтоқсан").</summary>
public sealed record FeedDay
{
    /// <summary>The day in the newsroom's time zone, yyyy-MM-dd.</summary>
    public required string Date { get; init; }

    public required string Label { get; init; }

    public required IReadOnlyList<ArticleView> Items { get; init; }
}

/// <summary>What the newsroom knows of an article that readers are not shown.</summary>
[MessagePackObject]
public sealed record ArticleDesk
{
    /// <summary>The account or key that wrote it, and its display name.</summary>
    [Key("author")] public string? Author { get; init; }

    [Key("authorName")] public string? AuthorName { get; init; }

    /// <summary>Display name of whoever changed it last, and of whoever published it.</summary>
    [Key("updatedBy")] public string? UpdatedBy { get; init; }

    [Key("publishedBy")] public string? PublishedBy { get; init; }

    /// <summary>Why an editor returned the submission, and who did.</summary>
    [Key("returnNote")] public string? ReturnNote { get; init; }

    [Key("returnedBy")] public string? ReturnedBy { get; init; }

    /// <summary>The byline as set by an editor (null: the author's display name), and whether it is hidden from readers.</summary>
    [Key("byline")] public string? Byline { get; init; }

    [Key("bylineHidden")] public bool BylineHidden { get; init; }
}

/// <summary>An article as the newsroom writes it: to publish now, at a time, or keep as a draft.</summary>
public sealed record ArticleInput
{
    public string? Title { get; init; }
    public string? Lead { get; init; }
    public string? Body { get; init; }
    public string? ImageUrl { get; init; }
    public string? ImageCredit { get; init; }

    /// <summary>An uploaded photo (<see cref="MediaItem.Id"/>) as the main photo, instead of <see cref="ImageUrl"/>; needs <see cref="ImageAlt"/> and <see cref="ImageCredit"/>.</summary>
    public string? ImageId { get; init; }

    /// <summary>What the main photo shows, for readers who cannot see it.</summary>
    public string? ImageAlt { get; init; }

    /// <summary>Editors only: the byline readers see instead of the author's display name (empty: the author's).</summary>
    public string? Byline { get; init; }

    /// <summary>Editors only: show no byline.</summary>
    public bool? BylineHidden { get; init; }
    public string? SourceName { get; init; }
    public string? SourceUrl { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>kk (default), ru or en.</summary>
    public string? Language { get; init; }
    public bool? Pinned { get; init; }
    public bool? KeyEvent { get; init; }

    /// <summary>Publish at this time (UTC) instead of now.</summary>
    public DateTime? PublishAt { get; init; }

    /// <summary>Keep as a draft; publish later.</summary>
    public bool? Draft { get; init; }

    /// <summary>Polls to show with the article (up to 5 existing poll ids).</summary>
    public IReadOnlyList<string>? PollIds { get; init; }
}

/// <summary>Why an editor returns a submission to its author.</summary>
public sealed record ReturnInput
{
    /// <summary>Required: what to change, 1 to 1,000 characters; the author sees it.</summary>
    public string? Note { get; init; }
}

/// <summary>The article a newsroom member is writing at the desk, kept so another device or a reload finds it.</summary>
public sealed record ComposingInput
{
    /// <summary>The draft's id; null: the member starts a new article.</summary>
    public string? ArticleId { get; init; }
}

/// <summary>The polls an article carries, replacing the ones it had (an empty list removes them).</summary>
public sealed record ArticlePollsInput
{
    public IReadOnlyList<string>? PollIds { get; init; }
}

/// <summary>A correction: the fields that change (others stay) and a short note readers see.</summary>
public sealed record CorrectionInput
{
    public string? Title { get; init; }
    public string? Lead { get; init; }
    public string? Body { get; init; }
    public string? ImageUrl { get; init; }
    public string? ImageCredit { get; init; }

    /// <summary>A new uploaded main photo; needs <see cref="ImageAlt"/> (and a credit, given here or kept from before).</summary>
    public string? ImageId { get; init; }

    public string? ImageAlt { get; init; }
    public string? SourceName { get; init; }
    public string? SourceUrl { get; init; }

    /// <summary>Required: what was corrected, 1 to 300 characters.</summary>
    public string? Note { get; init; }
}
