using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Feed;

internal static class FeedApi
{
    /// <summary>Reader endpoints: the feed by pages, catch-up, one article.</summary>
    public static RouteGroupBuilder MapFeed(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Feed");
        group.MapGet("/feed", GetPage)
            .WithSummary("A page of the feed, newest first, grouped by day")
            .WithDescription("limit: 1-100 (default 20); before: the nextBefore of the previous page; lang: kk (default), ru or en "
                + "for the day labels (\"Бүгін\", \"Кеше\", \"03 желтоқсан\"). Days are the newsroom's time zone. "
                + "lastSequence is where live events (hub SubscribeFeed) continue.");
        group.MapGet("/feed/events", GetEvents)
            .WithSummary("Every feed change after a sequence number (catch-up)")
            .WithDescription("Oldest first: publications, corrections, retractions, pins. complete=false: more than one answer "
                + "holds; reload the feed page.");
        group.MapGet("/articles/{articleId}", GetArticle)
            .Produces<ArticleView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One article with its permalink and share links")
            .WithDescription("Answers with ETag \"v{version}\"; with If-None-Match of that ETag, 304 while the article is unchanged.");
        return group;
    }

    /// <summary>Newsroom endpoints for articles, on the newsroom group.</summary>
    public static RouteGroupBuilder MapNewsroomFeed(this RouteGroupBuilder newsroom)
    {
        const string ifMatch = " Send If-Match with the ETag of the version you saw (\"v3\") to change it only if nobody changed it since: "
            + "412 with the current ETag otherwise (its detail names who changed it). Without If-Match the change is made on the article as it stands.";
        var group = newsroom.MapGroup("/articles");
        group.MapGet("/", async (FeedStore store, ArticleViews views) =>
                TypedResults.Ok((await store.AllAsync()).Select(a => views.View(a.Article, a.Sequence, newsroom: true)).ToList()))
            .WithSummary("Every article, drafts, submissions and scheduled included, newest change first")
            .WithDescription("Each with 'desk': author, who changed and published it last, a return note, the byline as set.");
        group.MapGet("/{articleId}", async (string articleId, FeedService feed, HttpContext context) =>
                await feed.GetAsync(articleId, newsroom: true) is { } article ? Answer(context, new ArticleResult(ArticleOutcome.Done, article)) : NotFound(articleId))
            .Produces<ArticleView>()
            .WithSummary("One article, drafts and scheduled included, with its ETag");
        group.MapPost("/", Create)
            .Produces<ArticleView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Publish an article now, at publishAt, or keep it as a draft")
            .WithDescription("Editors publish, schedule or keep drafts; contributors keep drafts only (draft: true; else 403) and submit them. "
                + "A draft may be unfinished (no title, a photo not yet described); publishing or submitting checks it whole. "
                + "The body is sanitised (HtmlSanitizer's default allow-list plus img srcset/sizes/loading: scripts, event handlers and "
                + "javascript: links are removed), then held to 100,000 characters; elements may nest at most 256 deep. Send an Idempotency-Key "
                + "header (1-200 visible characters, e.g. a UUID made when the form opened) so that a retried or double-clicked request makes one "
                + "article: a repeat within a day answers 201 with the same article and Idempotent-Replayed: true; the same key with other content is 422.")
            .WritersOnly();
        group.MapPut("/{articleId}", (string articleId, [FromBody] ArticleInput input, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.UpdateAsync(articleId, input, ifMatchVersion, Member(context))))
            .ProducesValidationProblem()
            .WithChangeMetadata("Save what is written in a draft, submission, returned or scheduled article (the desk's autosave)",
                "The whole content as in POST (title, lead, body, photo, source, tags, language, polls, flags; byline for editors); its state stays. "
                + "Contributors save only their own articles (403 otherwise). Autosaves are not written to the activity log." + ifMatch)
            .WritersOnly()
            .WithMetadata(ActivityLog.NotLogged);
        group.MapPost("/{articleId}/submit", (string articleId, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.SubmitAsync(articleId, ifMatchVersion, Member(context))))
            .WithChangeMetadata("Submit a draft (or a returned article) to the editors", "It must be complete: a title, a described and credited "
                + "photo (409 says what is missing). Contributors submit their own articles; editors any. Everyone at the desk sees it at once." + ifMatch)
            .WritersOnly();
        group.MapPost("/{articleId}/return", (string articleId, [FromBody] ReturnInput input, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.ReturnAsync(articleId, input.Note, ifMatchVersion, Member(context))))
            .ProducesValidationProblem()
            .WithChangeMetadata("Return a submission to its author with a note", "Body { note } (required, up to 1,000 characters): what to "
                + "change. The author sees it in the desk at once and may fix and submit again." + ifMatch)
            .EditorsOnly();
        group.MapPost("/{articleId}/publish", (string articleId, [FromBody] PublishInput? input, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.PublishAsync(articleId, input?.PublishAt, ifMatchVersion, Member(context))))
            .WithChangeMetadata("Publish a draft, a submission or a scheduled article now, or at a time", "Body (optional) { publishAt }: "
                + "a time in the future schedules it (it appears by itself then, on every node, once); none publishes now. A second request "
                + "for a published article is 409; an article without a title or with an undescribed photo is 409 too." + ifMatch)
            .EditorsOnly();
        group.MapPost("/{articleId}/corrections", (string articleId, [FromBody] CorrectionInput input, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.CorrectAsync(articleId, input, ifMatchVersion, Member(context))))
            .ProducesValidationProblem()
            .WithChangeMetadata("Correct a published article; note is required and shown to readers", "Fields left out keep their value. "
                + "Contributors correct only their own articles." + ifMatch)
            .WritersOnly();
        group.MapPost("/{articleId}/retract", (string articleId, [FromBody] RetractInput? input, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.RetractAsync(articleId, input?.Note, ifMatchVersion, Member(context))))
            .WithChangeMetadata("Retract an article from the feed", "Retracting a draft or scheduled article keeps it from ever appearing; "
                + "retracting twice changes nothing." + ifMatch)
            .EditorsOnly();
        group.MapPost("/{articleId}/polls", (string articleId, [FromBody] ArticlePollsInput input, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.SetPollsAsync(articleId, input.PollIds, ifMatchVersion, Member(context))))
            .ProducesValidationProblem()
            .WithChangeMetadata("Set the polls an article carries", "Body { pollIds: [\"7\", \"9\"] } (up to 5 existing polls; [] removes them). "
                + "Readers of a published article get an Updated feed event and show the polls live." + ifMatch)
            .EditorsOnly();
        group.MapPost("/{articleId}/pin", (string articleId, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.PinAsync(articleId, true, ifMatchVersion, Member(context))))
            .WithChangeMetadata("Pin an article", ifMatch)
            .EditorsOnly();
        group.MapPost("/{articleId}/unpin", (string articleId, FeedService feed, HttpContext context) =>
                Change(context, articleId, ifMatchVersion => feed.PinAsync(articleId, false, ifMatchVersion, Member(context))))
            .WithChangeMetadata("Unpin an article", ifMatch)
            .EditorsOnly();
        return group;
    }

    private static NewsroomMember Member(HttpContext context) => NewsroomMember.Of(context.User);

    private static RouteHandlerBuilder WithChangeMetadata(this RouteHandlerBuilder endpoint, string summary, string description) =>
        endpoint.Produces<ArticleView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary(summary)
            .WithDescription(description);

    /// <summary>Runs a change with the version If-Match names (none: the article as it stands), or says what is wrong with If-Match.</summary>
    private static async Task<IResult> Change(HttpContext context, string articleId, Func<int?, Task<ArticleResult>> change)
    {
        if (!TryReadIfMatch(context.Request, out var version))
        {
            return TypedResults.Problem("If-Match must be one ETag this API gave for the article, such as \"v3\", or *.",
                statusCode: StatusCodes.Status400BadRequest, title: "If-Match is not valid");
        }
        var result = await change(version);
        return result.Outcome == ArticleOutcome.NotFound ? NotFound(articleId) : Answer(context, result);
    }

    /// <summary>An article result as an HTTP answer, with the article's version as its ETag.</summary>
    private static IResult Answer(HttpContext context, ArticleResult result, bool created = false)
    {
        if (result.Article is { } article)
        {
            context.Response.Headers.ETag = ETagOf(article);
        }
        return result.Outcome switch
        {
            ArticleOutcome.Done when created => TypedResults.Created($"/api/articles/{result.Article!.Id}", result.Article),
            ArticleOutcome.Done => TypedResults.Ok(result.Article),
            ArticleOutcome.Replayed => Replayed(context, result.Article!),
            ArticleOutcome.Invalid => TypedResults.ValidationProblem(result.Errors!, title: "The article is not valid"),
            ArticleOutcome.Stale => TypedResults.Problem(result.Error, statusCode: StatusCodes.Status412PreconditionFailed, title: "The article changed"),
            ArticleOutcome.KeyReused => TypedResults.Problem(result.Error, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused"),
            ArticleOutcome.Conflict => TypedResults.Problem(result.Error, statusCode: StatusCodes.Status409Conflict, title: "Not possible in this state"),
            ArticleOutcome.Forbidden => TypedResults.Problem(result.Error, statusCode: StatusCodes.Status403Forbidden, title: "Not for your role"),
            _ => TypedResults.Problem("There is no such article.", statusCode: StatusCodes.Status404NotFound, title: "Unknown article"),
        };
    }

    private static IResult Replayed(HttpContext context, ArticleView article)
    {
        context.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Created($"/api/articles/{article.Id}", article);
    }

    internal static string ETagOf(ArticleView article) => $"\"v{article.Version}\"";

    /// <summary>If-Match: absent or * (null: any version), or one "vN" ETag, weak or strong.</summary>
    private static bool TryReadIfMatch(HttpRequest request, out int? version)
    {
        version = null;
        var values = request.Headers.IfMatch;
        if (values.Count == 0 || (values.Count == 1 && values[0]!.Trim() == "*"))
        {
            return true;
        }
        if (values.Count != 1)
        {
            return false;
        }
        var tag = values[0]!.Trim();
        if (tag.StartsWith("W/", StringComparison.Ordinal))
        {
            tag = tag[2..];
        }
        if (tag.Length > 3 && tag[0] == '"' && tag[1] == 'v' && tag[^1] == '"'
            && int.TryParse(tag.AsSpan(2, tag.Length - 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            version = parsed;
            return true;
        }
        return false;
    }

    private static async Task<Ok<FeedPage>> GetPage(FeedStore store, ArticleViews views, FeedDays days, TimeProvider clock,
        IOptions<NewsroomOptions> newsroom, int? limit, long? before, string? lang)
    {
        var size = Math.Clamp(limit ?? 20, 1, 100);
        var language = FeedDays.Normalize(lang);
        var position = await store.PositionAsync();
        var items = await store.PageAsync(before, size);
        var pinned = before is null ? await store.PinnedAsync() : [];
        var now = clock.GetUtcNow().UtcDateTime;
        var grouped = items
            .Select(a => views.View(a.Article, a.Sequence))
            .GroupBy(a => days.DayOf(a.PublishedAt ?? a.UpdatedAt))
            .Select(g => new FeedDay { Date = g.Key.ToString("yyyy-MM-dd"), Label = days.Label(g.Key, now, language), Items = g.ToList() })
            .ToList();
        return TypedResults.Ok(new FeedPage
        {
            Days = grouped,
            Pinned = pinned.Select(a => views.View(a.Article, a.Sequence)).ToList(),
            NextBefore = items.Count == size ? items[^1].Sequence : null,
            LastSequence = position.LastSequence,
            Epoch = position.Epoch,
            TimeZone = days.Zone.Id,
            SiteUrl = newsroom.Value.PublicBaseUrl.TrimEnd('/'),
        });
    }

    private static async Task<Ok<FeedCatchUp>> GetEvents(FeedStore store, ArticleViews views, long? after, int? limit)
    {
        var size = Math.Clamp(limit ?? FeedRelay.MaxCatchUp, 1, FeedRelay.MaxCatchUp);
        var from = Math.Max(after ?? 0, 0);
        var position = await store.PositionAsync();
        var last = position.LastSequence;
        var read = await store.EventsAfterAsync(from, last, size, (stored, sequence) => views.View(stored, sequence) with { Epoch = position.Epoch });
        var complete = read.Read < size && await store.LogCoversAsync(from);
        return TypedResults.Ok(new FeedCatchUp
        {
            Events = read.Events,
            LastSequence = complete ? last : read.Through,
            Complete = complete,
            Epoch = position.Epoch,
        });
    }

    private static async Task<IResult> GetArticle(string articleId, FeedService feed, HttpContext context)
    {
        if (await feed.GetAsync(articleId, newsroom: false) is not { } article)
        {
            return NotFound(articleId);
        }
        var etag = ETagOf(article);
        if (context.Request.Headers.IfNoneMatch.Any(v => v == etag || v == "W/" + etag))
        {
            context.Response.Headers.ETag = etag;
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return Answer(context, new ArticleResult(ArticleOutcome.Done, article));
    }

    private static async Task<IResult> Create([FromBody] ArticleInput input, FeedService feed, HttpContext context)
    {
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > 0 && (key.Length > 200 || key.Any(c => c is < '!' or > '~')))
        {
            return TypedResults.Problem("Idempotency-Key is 1 to 200 visible ASCII characters, e.g. a UUID.",
                statusCode: StatusCodes.Status400BadRequest, title: "Idempotency-Key is not valid");
        }
        return Answer(context, await feed.CreateAsync(input, Member(context), idempotencyKey: key.Length > 0 ? key : null), created: true);
    }

    private static ProblemHttpResult NotFound(string articleId) =>
        TypedResults.Problem($"There is no article with id '{Security.InputText.Shown(articleId)}'.",
            statusCode: StatusCodes.Status404NotFound, title: "Unknown article");
}

/// <summary>When to publish: null or a past time is now; a future time schedules the article.</summary>
public sealed record PublishInput(DateTime? PublishAt);

/// <summary>An optional note for a retraction, shown to readers who open the article.</summary>
public sealed record RetractInput(string? Note);
