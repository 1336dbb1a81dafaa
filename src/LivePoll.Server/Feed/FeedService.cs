using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ganss.Xss;
using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Security;

namespace LivePoll.Server.Feed;

/// <summary>What became of a newsroom request about an article.</summary>
public enum ArticleOutcome
{
    /// <summary>Done: <see cref="ArticleResult.Article"/> is the article as it now stands.</summary>
    Done,

    /// <summary>The same Idempotency-Key made this article before; nothing new was made.</summary>
    Replayed,

    NotFound,

    /// <summary>The input is not valid: <see cref="ArticleResult.Errors"/> by field.</summary>
    Invalid,

    /// <summary>The article's state does not allow it (e.g. correcting a retracted article).</summary>
    Conflict,

    /// <summary>If-Match named a version the article no longer has.</summary>
    Stale,

    /// <summary>The Idempotency-Key was used for a different article.</summary>
    KeyReused,

    /// <summary>The member's role does not allow this (a contributor publishing, or changing another's article).</summary>
    Forbidden,
}

public sealed record ArticleResult(ArticleOutcome Outcome, ArticleView? Article = null, string? Error = null,
    Dictionary<string, string[]>? Errors = null);

/// <summary>
/// What the newsroom does to the feed: publish (now, later, or keep as draft), correct, retract, pin.
/// Bodies are sanitised before they are stored, so no script ever reaches a reader. Every change is one store script
/// that checks the article's version and writes the change with its feed event, so two changes never lose one another:
/// a change made from an older version is made again from the current one (or refused with 412 when the caller named
/// the version it saw in If-Match). The relay on every node delivers each event to its readers.
/// </summary>
public sealed class FeedService(FeedStore store, FeedRelay relay, ArticleViews views,
    TimeProvider clock, LivePollMetrics metrics, Polls.PollStore polls, Media.MediaStore media,
    Microsoft.AspNetCore.SignalR.IHubContext<Live.LiveHub, ILiveClient> hub)
{
    /// <summary>How many times a change is made again when others changed the article meanwhile.</summary>
    private const int Attempts = 20;

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>
    /// HtmlSanitizer's default allow-list, plus what the desk's editor writes for images in a body: responsive sources
    /// (srcset, sizes), their size (width, height: no jump as they load) and lazy loading. What the editor produces is
    /// exactly what this keeps, so an article reads the same after its round trip through the server.
    /// </summary>
    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        foreach (var attribute in new[] { "srcset", "sizes", "loading", "decoding" })
        {
            sanitizer.AllowedAttributes.Add(attribute);
        }
        sanitizer.UriAttributes.Add("srcset");
        return sanitizer;
    }

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Creates an article for <paramref name="by"/>: published now, at <c>publishAt</c>, or kept as a draft (a contributor
    /// keeps drafts only, and gives no byline). A draft may be unfinished (no title yet, a photo not yet described): it is
    /// checked in full when it is submitted or published. With <paramref name="idempotencyKey"/>, the same key and input
    /// within a day make one article: a repeat answers with the article the first made.
    /// </summary>
    public async Task<ArticleResult> CreateAsync(ArticleInput input, NewsroomMember by, string? tipCredit = null, string? idempotencyKey = null)
    {
        if (!by.IsEditor && (input.Draft != true || input.PublishAt is not null))
        {
            return Forbidden("A contributor keeps articles as drafts (draft: true) and submits them; an editor publishes or schedules them.");
        }
        if (!by.IsEditor && (input.Byline is not null || input.BylineHidden is not null))
        {
            return Forbidden("Only an editor sets or hides a byline.");
        }
        input = FeedValidation.Clean(input);
        tipCredit = InputText.Clean(tipCredit);
        var draft = input.Draft == true;
        var errors = FeedValidation.Validate(input, Now, draft);
        await CheckPollsAsync(errors, input.PollIds);
        var image = await PhotoAsync(errors, input.ImageId, input.ImageAlt);
        var body = errors.ContainsKey("body") ? "" : Sanitize(input.Body);
        FeedValidation.CheckCleanBody(errors, body);
        if (!draft)
        {
            FeedValidation.CheckBodyImages(errors, body);
        }
        if (errors.Count > 0)
        {
            return new ArticleResult(ArticleOutcome.Invalid, Errors: errors);
        }
        var now = Now;
        var state = draft ? ArticleState.Draft
            : input.PublishAt > now ? ArticleState.Scheduled
            : ArticleState.Published;
        var article = Content(new Article
        {
            Id = await store.NextIdAsync(),
            State = state,
            Title = "",
            Body = body,
            Language = FeedDays.Normalize(input.Language),
            PublishAt = state == ArticleState.Scheduled ? input.PublishAt!.Value.ToUniversalTime() : null,
            PublishedAt = state == ArticleState.Published ? now : null,
            PublishedBy = state == ArticleState.Published ? by.DisplayName : null,
            UpdatedAt = now,
            UpdatedBy = by.DisplayName,
            TipCredit = tipCredit,
            Author = by.Name,
            AuthorName = by.DisplayName,
        }, input, body, image, by);
        var idempotency = idempotencyKey is null ? ((string, string)?)null : (idempotencyKey, Fingerprint(input, tipCredit));
        var change = await store.ChangeAsync(article, 0, state == ArticleState.Published ? FeedEventKind.Published : null, 0, now, idempotency);
        if (change.Outcome == ArticleChangeOutcome.Replayed)
        {
            var replay = change.Replay ?? "|";
            var (id, fingerprint) = (replay[..replay.IndexOf('|')], replay[(replay.IndexOf('|') + 1)..]);
            if (idempotency is not { } used || fingerprint != used.Item2)
            {
                return new ArticleResult(ArticleOutcome.KeyReused,
                    Error: $"This Idempotency-Key made article '{id}' from a different request within the last day; use a new key for a new article.");
            }
            return await store.GetAsync(id) is var (made, sequence)
                ? new ArticleResult(ArticleOutcome.Replayed, views.View(made, sequence, newsroom: true))
                : new ArticleResult(ArticleOutcome.NotFound);
        }
        return new ArticleResult(ArticleOutcome.Done, await DeliveredAsync(change, FeedEventKind.Published, 0));
    }

    /// <summary>
    /// The writable content of an article from <paramref name="input"/> (title, lead, body, photo, source, tags, language,
    /// polls, flags; the byline for an editor), the rest of <paramref name="article"/> kept.
    /// </summary>
    private static Article Content(Article article, ArticleInput input, string body, ArticleImage? image, NewsroomMember by) => article with
    {
        Title = input.Title?.Trim() ?? "",
        Lead = Trim(input.Lead),
        Body = body,
        ImageUrl = image?.Src ?? Trim(input.ImageUrl),
        ImageCredit = Trim(input.ImageCredit),
        Image = image,
        SourceName = Trim(input.SourceName),
        SourceUrl = Trim(input.SourceUrl),
        Tags = (input.Tags ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct().ToList(),
        Language = FeedDays.Normalize(input.Language),
        Pinned = input.Pinned ?? article.Pinned,
        KeyEvent = input.KeyEvent ?? article.KeyEvent,
        PollIds = (input.PollIds ?? article.PollIds).Distinct().ToList(),
        Byline = by.IsEditor && input.Byline is not null ? Trim(input.Byline) : article.Byline,
        BylineHidden = by.IsEditor && input.BylineHidden is { } hidden ? hidden : article.BylineHidden,
    };

    /// <summary>
    /// Saves what is written in an article that is not out yet (a draft, a submission, a returned or scheduled one): the
    /// desk's autosave. Its state stays; a contributor saves only their own. Named by If-Match, a change made since by
    /// someone else is refused (412) with who made it, so two people editing one article never overwrite each other.
    /// </summary>
    public async Task<ArticleResult> UpdateAsync(string id, ArticleInput input, int? ifMatch, NewsroomMember by)
    {
        if (!by.IsEditor && (input.Byline is not null || input.BylineHidden is not null))
        {
            return Forbidden("Only an editor sets or hides a byline.");
        }
        input = FeedValidation.Clean(input);
        var errors = FeedValidation.Validate(input, Now, draft: true);
        await CheckPollsAsync(errors, input.PollIds);
        var image = await PhotoAsync(errors, input.ImageId, input.ImageAlt);
        var body = errors.ContainsKey("body") ? "" : Sanitize(input.Body);
        FeedValidation.CheckCleanBody(errors, body);
        if (errors.Count > 0)
        {
            return new ArticleResult(ArticleOutcome.Invalid, Errors: errors);
        }
        return await ChangeAsync(id, ifMatch, by, (article, _) =>
            MayWrite(article, by) is { } refusal ? refusal
            : !article.InWriting && article.State != ArticleState.Scheduled
                ? Refuse($"This article is {article.State}: change a published article with a correction.")
            : Make(null, Content(article, input, body, image ?? (input.ImageId is null && input.ImageUrl is null ? null : article.Image), by)
                with { UpdatedAt = Now }));
    }

    /// <summary>Hands a draft (or a returned submission) to the editors; it must be ready to publish.</summary>
    public Task<ArticleResult> SubmitAsync(string id, int? ifMatch, NewsroomMember by) => ChangeAsync(id, ifMatch, by, (article, _) =>
        MayWrite(article, by) is { } refusal ? refusal
        : article.State is not (ArticleState.Draft or ArticleState.Returned) ? Refuse($"Only a draft or a returned article can be submitted; this one is {article.State}.")
        : NotReady(article) is { } missing ? Refuse(missing)
        : Make(null, article with { State = ArticleState.Submitted, UpdatedAt = Now }));

    /// <summary>An editor gives a submission back to its author with a note of what to change.</summary>
    public Task<ArticleResult> ReturnAsync(string id, string? note, int? ifMatch, NewsroomMember by)
    {
        note = InputText.Clean(note, multiline: true)?.Trim();
        if (string.IsNullOrEmpty(note) || note.Length > 1_000)
        {
            return Task.FromResult(new ArticleResult(ArticleOutcome.Invalid,
                Errors: new() { ["note"] = ["note is required: what the author should change (1 to 1,000 characters)."] }));
        }
        return ChangeAsync(id, ifMatch, by, (article, _) =>
            article.State != ArticleState.Submitted ? Refuse($"Only a submitted article can be returned; this one is {article.State}.")
            : Make(null, article with { State = ArticleState.Returned, ReturnNote = note, ReturnedBy = by.DisplayName, UpdatedAt = Now }));
    }

    /// <summary>
    /// Publishes a draft, a submission or a scheduled article now, or schedules it for <paramref name="at"/> when that is in
    /// the future: what it says must be complete.
    /// </summary>
    public Task<ArticleResult> PublishAsync(string id, DateTime? at, int? ifMatch, NewsroomMember by)
    {
        var later = at?.ToUniversalTime() is { } time && time > Now ? time : (DateTime?)null;
        return ChangeAsync(id, ifMatch, by, (article, _) =>
            article.InFeed ? Refuse("The article is already published.")
            : article.State == ArticleState.Retracted ? Refuse("A retracted article cannot be published again; publish a new one.")
            : NotReady(article) is { } missing ? Refuse(missing)
            : later is { } scheduled ? Make(null, article with { State = ArticleState.Scheduled, PublishAt = scheduled, UpdatedAt = Now, ReturnNote = null })
            : Make(FeedEventKind.Published, article with
            {
                State = ArticleState.Published, PublishedAt = Now, PublishAt = null, UpdatedAt = Now, PublishedBy = by.DisplayName, ReturnNote = null,
            }));
    }

    /// <summary>Publishes the scheduled articles whose time has come; each by exactly one node.</summary>
    public async Task PublishDueAsync()
    {
        foreach (var id in await store.DueAsync(Now))
        {
            if (await store.GetAsync(id) is not var (article, _) || article.State != ArticleState.Scheduled)
            {
                // Not scheduled any more (changed by a version that kept the schedule apart): nothing to publish.
                await store.UnscheduleAsync(id);
            }
            else
            {
                // Made from the version read: if an editor changed or retracted it meanwhile, or another node published it,
                // the store refuses this and the next turn sees the article as it now is.
                var published = article with { State = ArticleState.Published, PublishedAt = Now, PublishAt = null, UpdatedAt = Now, PublishedBy = article.UpdatedBy };
                await DeliveredAsync(await store.ChangeAsync(published, article.Version, FeedEventKind.Published, 0, Now), FeedEventKind.Published, 0);
            }
        }
    }

    /// <summary>Corrects a published article (a contributor only their own), with a note readers see.</summary>
    public async Task<ArticleResult> CorrectAsync(string id, CorrectionInput input, int? ifMatch, NewsroomMember by)
    {
        input = FeedValidation.Clean(input);
        var creditKept = await store.GetAsync(id) is var (current, _) && current.ImageCredit is not null;
        var errors = FeedValidation.Validate(input, creditKept);
        var image = await PhotoAsync(errors, input.ImageId, input.ImageAlt);
        var body = input.Body is null || errors.ContainsKey("body") ? null : Sanitize(input.Body);
        FeedValidation.CheckCleanBody(errors, body);
        FeedValidation.CheckBodyImages(errors, body);
        if (errors.Count > 0)
        {
            return new ArticleResult(ArticleOutcome.Invalid, Errors: errors);
        }
        return await ChangeAsync(id, ifMatch, by, (article, _) =>
        {
            if (MayWrite(article, by) is { } refusal)
            {
                return refusal;
            }
            if (!article.InFeed)
            {
                return Refuse($"Only a published article can be corrected; this one is {article.State}.");
            }
            var now = Now;
            return Make(FeedEventKind.Corrected, article with
            {
                State = ArticleState.Corrected,
                Title = Trim(input.Title) ?? article.Title,
                Lead = input.Lead is null ? article.Lead : Trim(input.Lead),
                Body = body ?? article.Body,
                ImageUrl = image?.Src ?? (input.ImageUrl is null ? article.ImageUrl : Trim(input.ImageUrl)),
                ImageCredit = input.ImageCredit is null ? article.ImageCredit : Trim(input.ImageCredit),
                // A new photo replaces the old; a photo by address drops the uploaded one; alt text alone describes it anew.
                Image = image ?? (input.ImageUrl is not null ? null
                    : input.ImageAlt is { } alt && article.Image is { } kept ? kept with { Alt = alt.Trim() } : article.Image),
                SourceName = input.SourceName is null ? article.SourceName : Trim(input.SourceName),
                SourceUrl = input.SourceUrl is null ? article.SourceUrl : Trim(input.SourceUrl),
                UpdatedAt = now,
                Corrections = [.. article.Corrections, new Correction { At = now, Note = input.Note!.Trim(), By = by.Name }],
            });
        });
    }

    /// <summary>Withdraws an article from the feed (a draft or scheduled one just never appears).</summary>
    public Task<ArticleResult> RetractAsync(string id, string? note, int? ifMatch, NewsroomMember by)
    {
        note = InputText.Clean(note, multiline: true);
        return ChangeAsync(id, ifMatch, by, (article, _) =>
        {
            if (article.State == ArticleState.Retracted)
            {
                return Unchanged;
            }
            var corrections = string.IsNullOrWhiteSpace(note)
                ? article.Corrections
                : [.. article.Corrections, new Correction { At = Now, Note = note.Trim() }];
            var retracted = article with { State = ArticleState.Retracted, Pinned = false, PublishAt = null, UpdatedAt = Now, Corrections = corrections };
            return Make(article.InFeed ? FeedEventKind.Retracted : null, retracted);
        });
    }

    public Task<ArticleResult> PinAsync(string id, bool pinned, int? ifMatch, NewsroomMember by) => ChangeAsync(id, ifMatch, by, (article, _) =>
        article.State == ArticleState.Retracted ? Refuse("A retracted article cannot be pinned.")
        : article.Pinned == pinned ? Unchanged
        : Make(article.InFeed ? (pinned ? FeedEventKind.Pinned : FeedEventKind.Unpinned) : null, article with { Pinned = pinned, UpdatedAt = Now }));

    /// <summary>Replaces the polls an article carries; readers of a published article get the change as an Updated event.</summary>
    public async Task<ArticleResult> SetPollsAsync(string id, IReadOnlyList<string>? pollIds, int? ifMatch, NewsroomMember by)
    {
        var errors = new Dictionary<string, string[]>();
        if (pollIds is null)
        {
            errors["pollIds"] = ["pollIds is required: a list of poll ids (empty to remove them)."];
        }
        await CheckPollsAsync(errors, pollIds);
        if (errors.Count > 0)
        {
            return new ArticleResult(ArticleOutcome.Invalid, Errors: errors);
        }
        var wanted = pollIds!.Distinct().ToList();
        return await ChangeAsync(id, ifMatch, by, (article, _) =>
            article.State == ArticleState.Retracted ? Refuse("A retracted article shows no polls.")
            : article.PollIds.SequenceEqual(wanted) ? Unchanged
            : Make(article.InFeed ? FeedEventKind.Updated : null, article with { PollIds = wanted, UpdatedAt = Now }));
    }

    /// <summary>The uploaded photo <paramref name="imageId"/> names, with its alt text; null (and an error) when there is none.</summary>
    private async Task<ArticleImage?> PhotoAsync(Dictionary<string, string[]> errors, string? imageId, string? alt)
    {
        if (imageId is null || errors.ContainsKey("imageAlt") || errors.ContainsKey("imageUrl"))
        {
            return null;
        }
        if (await media.GetAsync(imageId) is not { } item)
        {
            errors["imageId"] = [$"There is no uploaded photo with id '{Security.InputText.Shown(imageId)}': upload it first (POST /api/newsroom/media)."];
            return null;
        }
        return item.Image with { Alt = alt!.Trim() };
    }

    /// <summary>Up to 5 poll ids, each of a poll that exists.</summary>
    private async Task CheckPollsAsync(Dictionary<string, string[]> errors, IReadOnlyList<string>? pollIds)
    {
        if (pollIds is null || pollIds.Count == 0)
        {
            return;
        }
        if (pollIds.Count > 5 || pollIds.Any(p => p is not { Length: > 0 and <= 64 }))
        {
            errors["pollIds"] = ["An article carries at most 5 polls, each named by its id."];
            return;
        }
        var missing = new List<string>();
        foreach (var pollId in pollIds.Distinct())
        {
            if (await polls.GetAsync(pollId, Now) is null)
            {
                missing.Add(pollId);
            }
        }
        if (missing.Count > 0)
        {
            errors["pollIds"] = [$"There is no poll with id {string.Join(", ", missing.Select(m => $"'{m}'"))}."];
        }
    }

    public async Task<ArticleView?> GetAsync(string id, bool newsroom)
    {
        if (await store.GetAsync(id) is not var (article, sequence) || (!newsroom && !article.InFeed && article.State != ArticleState.Retracted))
        {
            return null;
        }
        return views.View(article, sequence, newsroom);
    }

    /// <summary>What a change does to the article as it stands: refuse, nothing, or store this with this event.</summary>
    private readonly record struct Decision(string? Refusal, Article? Changed, FeedEventKind? Kind, bool Forbidden = false);

    private static Decision Refuse(string why) => new(why, null, null);

    /// <summary>A contributor writes only their own articles; an editor any.</summary>
    private static Decision? MayWrite(Article article, NewsroomMember by) =>
        by.IsEditor || string.Equals(article.Author, by.Name, StringComparison.Ordinal) ? null
        : new Decision($"This article is {article.AuthorName ?? article.Author ?? "someone else"}'s: a contributor changes only their own articles.", null, null, Forbidden: true);

    /// <summary>What an article still lacks before readers may see it, or null when it is complete.</summary>
    private static string? NotReady(Article article) =>
        string.IsNullOrWhiteSpace(article.Title) ? "The article has no title yet."
        : article.Image is { } photo && (string.IsNullOrWhiteSpace(photo.Alt) || string.IsNullOrWhiteSpace(article.ImageCredit))
            ? "The main photo needs its description and its credit."
        : FeedValidation.BodyImagesWithoutAlt(article.Body) is > 0 and var bare ? $"{bare} image(s) in the body have no alt text."
        : null;

    private static ArticleResult Forbidden(string why) => new(ArticleOutcome.Forbidden, Error: why);

    private static Decision Unchanged => new(null, null, null);

    private static Decision Make(FeedEventKind? kind, Article changed) => new(null, changed, kind);

    /// <summary>
    /// Reads the article, decides, and stores the change from the version read; when someone else changed the article in
    /// between, decides again on what they left (so two corrections both land and a correction never revives a retraction),
    /// unless the caller named the version it saw (<paramref name="ifMatch"/>): then the answer is <see cref="ArticleOutcome.Stale"/>.
    /// </summary>
    private async Task<ArticleResult> ChangeAsync(string id, int? ifMatch, NewsroomMember by, Func<Article, long, Decision> decide)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            if (await store.GetAsync(id) is not var (article, sequence))
            {
                return new ArticleResult(ArticleOutcome.NotFound);
            }
            if (ifMatch is { } expected && expected != article.Version)
            {
                return StaleAnswer(article, sequence, expected);
            }
            var decision = decide(article, sequence);
            if (decision.Refusal is { } refusal)
            {
                return new ArticleResult(decision.Forbidden ? ArticleOutcome.Forbidden : ArticleOutcome.Conflict, views.View(article, sequence, newsroom: true), refusal);
            }
            if (decision.Changed is not { } changed)
            {
                return new ArticleResult(ArticleOutcome.Done, views.View(article, sequence, newsroom: true));
            }
            changed = changed with { UpdatedBy = by.DisplayName };
            var change = await store.ChangeAsync(changed, article.Version, decision.Kind, sequence, Now);
            if (change.Outcome == ArticleChangeOutcome.Stored)
            {
                return new ArticleResult(ArticleOutcome.Done, await DeliveredAsync(change, decision.Kind, sequence));
            }
            if (ifMatch is { } named && await store.GetAsync(id) is var (now, nowSequence))
            {
                return StaleAnswer(now, nowSequence, named);
            }
        }
        return new ArticleResult(ArticleOutcome.Conflict, Error: "The article kept changing while this change was made; try again.");
    }

    private ArticleResult StaleAnswer(Article article, long sequence, int expected) =>
        new(ArticleOutcome.Stale, views.View(article, sequence, newsroom: true),
            $"The article changed since version {expected} (If-Match){(article.UpdatedBy is { } who ? $": {who} changed it" : "")}; it is now at version "
            + $"{article.Version}, ETag \"v{article.Version}\". Reload it, then make the change again.");

    /// <summary>After a stored change: counts and announces its feed event, and returns the article as it now stands.</summary>
    private async Task<ArticleView?> DeliveredAsync(ArticleChange change, FeedEventKind? kind, long articleSequence)
    {
        if (change.Outcome != ArticleChangeOutcome.Stored)
        {
            return null;
        }
        if (change.Sequence > 0 && kind is { } k)
        {
            metrics.RecordFeedEvent(k);
            await relay.NotifyAsync(change.Sequence);
        }
        var view = views.View(change.Article!, kind == FeedEventKind.Published ? change.Sequence : articleSequence, newsroom: true);
        // Everyone at the desk sees it at once, drafts included (over the backplane, on every node).
        await hub.Clients.Group(Tips.TipsApi.NewsroomGroup).ArticleChanged(view);
        return view;
    }

    /// <summary>What identifies a request to create an article, so a reused Idempotency-Key with other content is told apart.</summary>
    private static string Fingerprint(ArticleInput input, string? tipCredit) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(input, FeedStore.Json) + "\n" + tipCredit)), 0, 12);

    private static string Sanitize(string? html) => Sanitizer.Sanitize(html ?? "");

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
