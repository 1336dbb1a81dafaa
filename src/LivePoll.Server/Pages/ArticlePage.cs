using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using LivePoll.Contracts;
using LivePoll.Server.Feed;

namespace LivePoll.Server.Pages;

/// <summary>
/// An article's permalink (<c>/articles/{id}</c>) rendered on the server: the reader page (<see cref="ReaderPage"/>) with
/// the article already in it, and a head (<see cref="PageHead"/>) with its title, description, canonical URL, OpenGraph
/// and Twitter card tags and NewsArticle structured data, so crawlers, link previews and readers without script see the
/// article; the page's script then takes over and goes live. The HTML is kept per article version (and feed epoch), so a
/// busy permalink is rendered once per change, and answers carry an ETag for conditional GETs.
/// </summary>
internal sealed class ArticlePage(FeedService feed, FeedStore store, FeedDays days, ReaderPages pages)
{
    private const int MaxCached = 1_000;

    private readonly ConcurrentDictionary<string, (string ETag, string Html)> _rendered = new(StringComparer.Ordinal);

    public async Task<IResult> RenderAsync(HttpContext context, string articleId)
    {
        var article = await feed.GetAsync(articleId, newsroom: false);
        if (article is null)
        {
            return await pages.NotFoundAsync();
        }
        var epoch = (await store.PositionAsync()).Epoch;
        var etag = $"\"a{article.Version}-{epoch}-{ReaderPages.Build}\"";
        context.Response.Headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch.Any(v => v == etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        if (!_rendered.TryGetValue(article.Id, out var cached) || cached.ETag != etag)
        {
            if (_rendered.Count >= MaxCached)
            {
                _rendered.Clear();
            }
            cached = _rendered[article.Id] = (etag, await RenderAsync(article));
        }
        // A retracted article is gone for good (410), with the page saying so; the script shows the same notice.
        return ReaderPages.Html(cached.Html, article.State == ArticleState.Retracted ? StatusCodes.Status410Gone : StatusCodes.Status200OK);
    }

    private Task<string> RenderAsync(ArticleView article)
    {
        var site = pages.Site;
        // Link previews get the photo's 1200×630 crop where there is an uploaded photo.
        var image = article.Image is { } photo ? site + photo.Social : article.ImageUrl is { } url ? (url.StartsWith('/') ? site + url : url) : null;
        var description = Shorten(article.Lead ?? PlainText(article.Body), 200);
        var published = article.PublishedAt ?? article.UpdatedAt;
        var meta = new PageMeta
        {
            Title = article.Title,
            Description = description,
            Url = article.Url,
            Language = article.Language,
            Type = "article",
            Image = image,
            ImageType = article.Image is null ? null : "image/jpeg",
            ImageWidth = article.Image is null ? null : Media.MediaPipeline.SocialWidth,
            ImageHeight = article.Image is null ? null : Media.MediaPipeline.SocialHeight,
            ImageAlt = image is null ? null : article.Image?.Alt ?? article.Title,
            Properties =
            [
                .. article.Byline is { } author ? [new KeyValuePair<string, string>("article:author", author)] : Array.Empty<KeyValuePair<string, string>>(),
                new("article:published_time", Iso(published)),
                new("article:modified_time", Iso(article.UpdatedAt)),
                .. article.Tags.Select(tag => new KeyValuePair<string, string>("article:tag", tag)),
            ],
            OEmbedSite = site,
            StructuredDataId = "article-data",
            StructuredData = new Dictionary<string, object?>
            {
                ["@context"] = "https://schema.org",
                ["@type"] = "NewsArticle",
                ["headline"] = article.Title,
                ["description"] = description,
                ["datePublished"] = Iso(published),
                ["dateModified"] = Iso(article.UpdatedAt),
                ["inLanguage"] = article.Language,
                ["mainEntityOfPage"] = article.Url,
                ["url"] = article.Url,
                ["image"] = image is null ? null : article.Image is { } largest ? new[] { image, site + largest.Largest } : new[] { image },
                ["keywords"] = article.Tags.Count == 0 ? null : string.Join(", ", article.Tags),
                ["author"] = article.Byline is { } byline ? new Dictionary<string, string> { ["@type"] = "Person", ["name"] = byline } : null,
                ["publisher"] = new Dictionary<string, string> { ["@type"] = "Organization", ["name"] = "LivePoll" },
            }.Where(p => p.Value is not null).ToDictionary(),
        };
        var model = new ArticleModel(article, image, Local(published), [.. article.Corrections.Select(c => Local(c.At))]);
        return pages.RenderAsync(meta, article: model);
    }

    private DateTime Local(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), days.Zone);

    private static string PlainText(string html)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(html, "<[^>]*>", " ");
        return System.Text.RegularExpressions.Regex.Replace(WebUtility.HtmlDecode(text), @"\s+", " ").Trim();
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)].TrimEnd() + "…";

    private static string Iso(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
