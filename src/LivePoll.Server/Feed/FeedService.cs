using Ganss.Xss;
using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;

namespace LivePoll.Server.Feed;

/// <summary>
/// What the newsroom does to the feed: publish (now, later, or keep as draft), correct, retract, pin.
/// Bodies are sanitised before they are stored, so no script ever reaches a reader. Each change becomes one
/// feed event that the relay on every node delivers to its readers.
/// </summary>
public sealed class FeedService(FeedStore store, FeedRelay relay, ArticleViews views,
    TimeProvider clock, LivePollMetrics metrics)
{
    private static readonly HtmlSanitizer Sanitizer = new();

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Creates an article; returns the errors by field, or the article as it now stands.</summary>
    public async Task<(Dictionary<string, string[]> Errors, ArticleView? Article)> CreateAsync(ArticleInput input, string? tipCredit = null)
    {
        var errors = FeedValidation.Validate(input, Now);
        if (errors.Count > 0)
        {
            return (errors, null);
        }
        var now = Now;
        var state = input.Draft == true ? ArticleState.Draft
            : input.PublishAt > now ? ArticleState.Scheduled
            : ArticleState.Published;
        var article = new Article
        {
            Id = await store.NextIdAsync(),
            State = state,
            Title = input.Title!.Trim(),
            Lead = Trim(input.Lead),
            Body = Sanitize(input.Body),
            ImageUrl = Trim(input.ImageUrl),
            ImageCredit = Trim(input.ImageCredit),
            SourceName = Trim(input.SourceName),
            SourceUrl = Trim(input.SourceUrl),
            Tags = (input.Tags ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct().ToList(),
            Language = FeedDays.Normalize(input.Language),
            Pinned = input.Pinned ?? false,
            KeyEvent = input.KeyEvent ?? false,
            PublishAt = state == ArticleState.Scheduled ? input.PublishAt!.Value.ToUniversalTime() : null,
            PublishedAt = state == ArticleState.Published ? now : null,
            UpdatedAt = now,
            TipCredit = tipCredit,
        };
        if (state == ArticleState.Published)
        {
            return (errors, await AppendAsync(FeedEventKind.Published, article, 0));
        }
        await store.SaveUnpublishedAsync(article);
        return (errors, views.View(article, 0));
    }

    /// <summary>Publishes a draft or scheduled article now; null when there is no such article.</summary>
    public async Task<(string? Error, ArticleView? Article)> PublishNowAsync(string id)
    {
        if (await store.GetAsync(id) is not var (article, sequence))
        {
            return (null, null);
        }
        if (article.InFeed)
        {
            return ("The article is already published.", views.View(article, sequence));
        }
        if (article.State == ArticleState.Retracted)
        {
            return ("A retracted article cannot be published again; publish a new one.", views.View(article, sequence));
        }
        var published = article with { State = ArticleState.Published, PublishedAt = Now, PublishAt = null, UpdatedAt = Now };
        var wasScheduled = article.State == ArticleState.Scheduled;
        var view = await AppendAsync(FeedEventKind.Published, published, 0, onlyIfScheduled: wasScheduled);
        return (null, view);
    }

    /// <summary>Publishes the scheduled articles whose time has come; each by exactly one node.</summary>
    public async Task PublishDueAsync()
    {
        foreach (var id in await store.DueAsync(Now))
        {
            if (await store.GetAsync(id) is var (article, _) && article.State == ArticleState.Scheduled)
            {
                var published = article with { State = ArticleState.Published, PublishedAt = Now, PublishAt = null, UpdatedAt = Now };
                await AppendAsync(FeedEventKind.Published, published, 0, onlyIfScheduled: true);
            }
        }
    }

    public async Task<(Dictionary<string, string[]> Errors, ArticleView? Article)> CorrectAsync(string id, CorrectionInput input)
    {
        var errors = FeedValidation.Validate(input);
        if (errors.Count > 0)
        {
            return (errors, null);
        }
        if (await store.GetAsync(id) is not var (article, sequence))
        {
            return (errors, null);
        }
        if (!article.InFeed)
        {
            errors["state"] = [$"Only a published article can be corrected; this one is {article.State}."];
            return (errors, null);
        }
        var now = Now;
        var corrected = article with
        {
            State = ArticleState.Corrected,
            Title = Trim(input.Title) ?? article.Title,
            Lead = input.Lead is null ? article.Lead : Trim(input.Lead),
            Body = input.Body is null ? article.Body : Sanitize(input.Body),
            ImageUrl = input.ImageUrl is null ? article.ImageUrl : Trim(input.ImageUrl),
            ImageCredit = input.ImageCredit is null ? article.ImageCredit : Trim(input.ImageCredit),
            SourceName = input.SourceName is null ? article.SourceName : Trim(input.SourceName),
            SourceUrl = input.SourceUrl is null ? article.SourceUrl : Trim(input.SourceUrl),
            UpdatedAt = now,
            Corrections = [.. article.Corrections, new Correction { At = now, Note = input.Note!.Trim() }],
        };
        return (errors, await AppendAsync(FeedEventKind.Corrected, corrected, sequence));
    }

    /// <summary>Withdraws an article from the feed; null when there is no such article.</summary>
    public async Task<ArticleView?> RetractAsync(string id, string? note)
    {
        if (await store.GetAsync(id) is not var (article, sequence))
        {
            return null;
        }
        if (article.State == ArticleState.Retracted)
        {
            return views.View(article, sequence);
        }
        var corrections = string.IsNullOrWhiteSpace(note)
            ? article.Corrections
            : [.. article.Corrections, new Correction { At = Now, Note = note.Trim() }];
        var retracted = article with { State = ArticleState.Retracted, Pinned = false, UpdatedAt = Now, Corrections = corrections };
        if (!article.InFeed)
        {
            await store.SaveUnpublishedAsync(retracted);
            return views.View(retracted, sequence);
        }
        return await AppendAsync(FeedEventKind.Retracted, retracted, sequence);
    }

    public async Task<(string? Error, ArticleView? Article)> PinAsync(string id, bool pinned)
    {
        if (await store.GetAsync(id) is not var (article, sequence))
        {
            return (null, null);
        }
        if (article.State == ArticleState.Retracted)
        {
            return ("A retracted article cannot be pinned.", views.View(article, sequence));
        }
        var changed = article with { Pinned = pinned, UpdatedAt = Now };
        if (!article.InFeed)
        {
            await store.SaveUnpublishedAsync(changed);
            return (null, views.View(changed, sequence));
        }
        return (null, await AppendAsync(pinned ? FeedEventKind.Pinned : FeedEventKind.Unpinned, changed, sequence));
    }

    public async Task<ArticleView?> GetAsync(string id, bool newsroom)
    {
        if (await store.GetAsync(id) is not var (article, sequence) || (!newsroom && !article.InFeed && article.State != ArticleState.Retracted))
        {
            return null;
        }
        return views.View(article, sequence);
    }

    private async Task<ArticleView?> AppendAsync(FeedEventKind kind, Article article, long articleSequence, bool onlyIfScheduled = false)
    {
        var sequence = await store.AppendAsync(kind, article, articleSequence, Now, onlyIfScheduled);
        if (sequence == 0)
        {
            return (await store.GetAsync(article.Id)) is var (current, currentSequence) ? views.View(current, currentSequence) : null;
        }
        metrics.RecordFeedEvent(kind);
        await relay.NotifyAsync(sequence);
        return views.View(article, kind == FeedEventKind.Published ? sequence : articleSequence);
    }

    private static string Sanitize(string? html) => Sanitizer.Sanitize(html ?? "");

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
