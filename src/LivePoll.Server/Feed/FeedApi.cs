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
            .WithSummary("One article with its permalink and share links");
        return group;
    }

    /// <summary>Newsroom endpoints for articles, on the newsroom group.</summary>
    public static RouteGroupBuilder MapNewsroomFeed(this RouteGroupBuilder newsroom)
    {
        var group = newsroom.MapGroup("/articles");
        group.MapGet("/", async (FeedStore store, ArticleViews views) =>
                TypedResults.Ok((await store.AllAsync()).Select(a => views.View(a.Article, a.Sequence)).ToList()))
            .WithSummary("Every article, drafts and scheduled included, newest change first");
        group.MapPost("/", Create)
            .WithSummary("Publish an article now, at publishAt, or keep it as a draft")
            .WithDescription("The body is sanitised (HtmlSanitizer's default allow-list): scripts, event handlers and javascript: links are removed.")
            .EditorsOnly();
        group.MapPost("/{articleId}/publish", PublishNow).WithSummary("Publish a draft or scheduled article now")
            .EditorsOnly();
        group.MapPost("/{articleId}/corrections", Correct).WithSummary("Correct a published article; note is required and shown to readers")
            .EditorsOnly();
        group.MapPost("/{articleId}/retract", Retract).WithSummary("Retract an article from the feed")
            .EditorsOnly();
        group.MapPost("/{articleId}/pin", (string articleId, FeedService feed) => Pin(articleId, true, feed)).WithSummary("Pin an article")
            .EditorsOnly();
        group.MapPost("/{articleId}/unpin", (string articleId, FeedService feed) => Pin(articleId, false, feed)).WithSummary("Unpin an article")
            .EditorsOnly();
        return group;
    }

    private static async Task<Ok<FeedPage>> GetPage(FeedStore store, ArticleViews views, FeedDays days, TimeProvider clock,
        IOptions<NewsroomOptions> newsroom, int? limit, long? before, string? lang)
    {
        var size = Math.Clamp(limit ?? 20, 1, 100);
        var language = FeedDays.Normalize(lang);
        var lastSequence = await store.LastSequenceAsync();
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
            LastSequence = lastSequence,
            TimeZone = days.Zone.Id,
            SiteUrl = newsroom.Value.PublicBaseUrl.TrimEnd('/'),
        });
    }

    private static async Task<Ok<FeedCatchUp>> GetEvents(FeedStore store, ArticleViews views, long? after, int? limit)
    {
        var size = Math.Clamp(limit ?? FeedRelay.MaxCatchUp, 1, FeedRelay.MaxCatchUp);
        var from = Math.Max(after ?? 0, 0);
        var last = await store.LastSequenceAsync();
        var events = await store.EventsAfterAsync(from, last, size, views.View);
        var complete = events.Count < size && await store.LogCoversAsync(from);
        return TypedResults.Ok(new FeedCatchUp { Events = events, LastSequence = complete ? last : events.Count > 0 ? events[^1].Sequence : from, Complete = complete });
    }

    private static async Task<Results<Ok<ArticleView>, ProblemHttpResult>> GetArticle(string articleId, FeedService feed) =>
        await feed.GetAsync(articleId, newsroom: false) is { } article ? TypedResults.Ok(article) : NotFound(articleId);

    private static async Task<Results<Created<ArticleView>, ValidationProblem>> Create([FromBody] ArticleInput input, FeedService feed)
    {
        var (errors, article) = await feed.CreateAsync(input);
        return article is null
            ? TypedResults.ValidationProblem(errors, title: "The article is not valid")
            : TypedResults.Created($"/api/articles/{article.Id}", article);
    }

    private static async Task<Results<Ok<ArticleView>, ProblemHttpResult>> PublishNow(string articleId, FeedService feed)
    {
        var (error, article) = await feed.PublishNowAsync(articleId);
        return article is null ? NotFound(articleId)
            : error is not null ? TypedResults.Problem(error, statusCode: StatusCodes.Status409Conflict, title: "Cannot publish")
            : TypedResults.Ok(article);
    }

    private static async Task<Results<Ok<ArticleView>, ValidationProblem, ProblemHttpResult>> Correct(
        string articleId, [FromBody] CorrectionInput input, FeedService feed)
    {
        var (errors, article) = await feed.CorrectAsync(articleId, input);
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors, title: "The correction is not valid")
            : article is null ? NotFound(articleId)
            : TypedResults.Ok(article);
    }

    private static async Task<Results<Ok<ArticleView>, ProblemHttpResult>> Retract(string articleId, FeedService feed, [FromBody] RetractInput? input) =>
        await feed.RetractAsync(articleId, input?.Note) is { } article ? TypedResults.Ok(article) : NotFound(articleId);

    private static async Task<Results<Ok<ArticleView>, ProblemHttpResult>> Pin(string articleId, bool pinned, FeedService feed)
    {
        var (error, article) = await feed.PinAsync(articleId, pinned);
        return article is null ? NotFound(articleId)
            : error is not null ? TypedResults.Problem(error, statusCode: StatusCodes.Status409Conflict, title: "Cannot pin")
            : TypedResults.Ok(article);
    }

    private static ProblemHttpResult NotFound(string articleId) =>
        TypedResults.Problem($"There is no article with id '{(articleId.Length > 40 ? articleId[..40] : articleId)}'.",
            statusCode: StatusCodes.Status404NotFound, title: "Unknown article");
}

/// <summary>An optional note for a retraction, shown to readers who open the article.</summary>
public sealed record RetractInput(string? Note);
