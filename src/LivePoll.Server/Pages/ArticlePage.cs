using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Feed;
using LivePoll.Server.Newsroom;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Pages;

/// <summary>
/// An article's permalink (<c>/articles/{id}</c>) rendered on the server: the reader page with the article already in it,
/// its title, description, canonical URL, OpenGraph and Twitter card tags and NewsArticle structured data, so crawlers,
/// link previews and readers without script see the article; the page's script then takes over and goes live. The HTML
/// is kept per article version (and feed epoch), so a busy permalink is rendered once per change, and answers carry an
/// ETag for conditional GETs.
/// </summary>
internal sealed class ArticlePage(FeedService feed, FeedStore store, IOptions<NewsroomOptions> newsroom, FeedDays days, ReaderPageTemplate page)
{
    private const int MaxCached = 1_000;

    private readonly ConcurrentDictionary<string, (string ETag, string Html)> _rendered = new(StringComparer.Ordinal);
    public async Task<IResult> RenderAsync(HttpContext context, string articleId)
    {
        var article = await feed.GetAsync(articleId, newsroom: false);
        if (article is null)
        {
            return page.NotFound();
        }
        var template = page.Current;
        var epoch = (await store.PositionAsync()).Epoch;
        var etag = $"\"a{article.Version}-{epoch}-{template.Written.Ticks:x}\"";
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
            cached = _rendered[article.Id] = (etag, Render(template.Text, article));
        }
        // A retracted article is gone for good (410), with the page saying so; the script shows the same notice.
        return TypedResults.Content(cached.Html, "text/html; charset=utf-8", Encoding.UTF8,
            article.State == ArticleState.Retracted ? StatusCodes.Status410Gone : StatusCodes.Status200OK);
    }

    private string Render(string template, ArticleView article)
    {
        var site = newsroom.Value.PublicBaseUrl.TrimEnd('/');
        var image = article.ImageUrl is { } url ? (url.StartsWith('/') ? site + url : url) : null;
        var description = Shorten(article.Lead ?? PlainText(article.Body), 200);
        var published = article.PublishedAt ?? article.UpdatedAt;
        string E(string? text) => WebUtility.HtmlEncode(text ?? "");

        var head = new StringBuilder()
            .Append("<title>").Append(E(article.Title)).Append(" — LivePoll</title>\n")
            .Append("  <link rel=\"canonical\" href=\"").Append(E(article.Url)).Append("\">\n")
            .Append("  <meta property=\"og:type\" content=\"article\">\n")
            .Append("  <meta property=\"og:site_name\" content=\"LivePoll\">\n")
            .Append("  <meta property=\"og:title\" content=\"").Append(E(article.Title)).Append("\">\n")
            .Append("  <meta property=\"og:description\" content=\"").Append(E(description)).Append("\">\n")
            .Append("  <meta property=\"og:url\" content=\"").Append(E(article.Url)).Append("\">\n")
            .Append("  <meta property=\"og:locale\" content=\"").Append(article.Language switch { "ru" => "ru_RU", "en" => "en_US", _ => "kk_KZ" }).Append("\">\n")
            .Append("  <meta property=\"article:published_time\" content=\"").Append(Iso(published)).Append("\">\n")
            .Append("  <meta property=\"article:modified_time\" content=\"").Append(Iso(article.UpdatedAt)).Append("\">\n")
            .Append("  <meta name=\"twitter:card\" content=\"").Append(image is null ? "summary" : "summary_large_image").Append("\">\n")
            .Append("  <meta name=\"twitter:title\" content=\"").Append(E(article.Title)).Append("\">\n")
            .Append("  <meta name=\"twitter:description\" content=\"").Append(E(description)).Append("\">\n")
            .Append(Embeds.DiscoveryLink(site, article.Url, article.Title));
        foreach (var tag in article.Tags)
        {
            head.Append("  <meta property=\"article:tag\" content=\"").Append(E(tag)).Append("\">\n");
        }
        if (image is not null)
        {
            head.Append("  <meta property=\"og:image\" content=\"").Append(E(image)).Append("\">\n")
                .Append("  <meta name=\"twitter:image\" content=\"").Append(E(image)).Append("\">\n");
        }

        var structured = JsonSerializer.Serialize(new Dictionary<string, object?>
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
            ["image"] = image is null ? null : new[] { image },
            ["keywords"] = article.Tags.Count == 0 ? null : string.Join(", ", article.Tags),
            ["publisher"] = new Dictionary<string, string> { ["@type"] = "Organization", ["name"] = "LivePoll" },
        }.Where(p => p.Value is not null).ToDictionary());

        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(published, DateTimeKind.Utc), days.Zone);
        var body = new StringBuilder()
            .Append("<h1 class=\"article-title\">").Append(E(article.Title)).Append("</h1>\n")
            .Append("<p class=\"article-meta\"><time datetime=\"").Append(Iso(published)).Append("\">")
            .Append(local.ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture)).Append("</time></p>\n");
        if (article.State == ArticleState.Retracted)
        {
            body.Append("<p class=\"retracted-note\">").Append(Words(article.Language).Retracted).Append("</p>\n");
        }
        else
        {
            if (article.Lead is { } lead)
            {
                body.Append("<p class=\"article-lead\">").Append(E(lead)).Append("</p>\n");
            }
            if (image is not null)
            {
                body.Append("<figure class=\"article-photo\"><img src=\"").Append(E(article.ImageUrl)).Append("\" alt=\"").Append(E(article.Title)).Append("\">");
                if (article.ImageCredit is { } credit)
                {
                    body.Append("<figcaption>").Append(E(credit)).Append("</figcaption>");
                }
                body.Append("</figure>\n");
            }
            if (article.Corrections.Count > 0)
            {
                body.Append("<aside class=\"corrections\">");
                foreach (var correction in article.Corrections)
                {
                    body.Append("<p class=\"correction-note\"><strong>").Append(Words(article.Language).Correction).Append(" (")
                        .Append(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(correction.At, DateTimeKind.Utc), days.Zone).ToString("dd.MM.yyyy HH:mm", CultureInfo.InvariantCulture))
                        .Append("):</strong> ").Append(E(correction.Note)).Append("</p>");
                }
                body.Append("</aside>\n");
            }
            // Sanitised by HtmlSanitizer before it was stored.
            body.Append("<div class=\"article-body\">").Append(article.Body).Append("</div>\n");
            if (article.SourceName is { } source)
            {
                body.Append("<p class=\"article-source\">").Append(article.SourceUrl is { } sourceUrl
                    ? $"<a href=\"{E(sourceUrl)}\" rel=\"noopener\">{E(source)}</a>" : E(source)).Append("</p>\n");
            }
            body.Append("<p class=\"permalink\"><a href=\"").Append(E(article.Url)).Append("\">").Append(E(article.Url)).Append("</a></p>\n");
        }

        return template
            .Replace("<html lang=\"kk\">", $"<html lang=\"{E(article.Language)}\">", StringComparison.Ordinal)
            .Replace("<title>LivePoll</title>\n", head.ToString(), StringComparison.Ordinal)
            .Replace(DescriptionTag(template), $"<meta name=\"description\" content=\"{E(description)}\">", StringComparison.Ordinal)
            .Replace("<article id=\"article-view\" class=\"article-view\" hidden aria-live=\"polite\"></article>",
                $"<article id=\"article-view\" class=\"article-view\" aria-live=\"polite\" data-article-id=\"{E(article.Id)}\">\n{body}</article>", StringComparison.Ordinal)
            .Replace("<div id=\"feed-section\">", "<div id=\"feed-section\" hidden>", StringComparison.Ordinal)
            .Replace("</body>", $"  <script type=\"application/ld+json\" id=\"article-data\">{structured}</script>\n</body>", StringComparison.Ordinal);
    }

    /// <summary>The few words the page shows before its script (which speaks every language) takes over.</summary>
    private static (string Correction, string Retracted) Words(string language) => language switch
    {
        "ru" => ("Исправление", "Материал снят редакцией."),
        "en" => ("Correction", "This article was retracted."),
        _ => ("Түзету", "Мақаланы редакция алып тастады."),
    };

    private static string DescriptionTag(string template)
    {
        var start = template.IndexOf("<meta name=\"description\"", StringComparison.Ordinal);
        return start < 0 ? "\u0000" : template[start..(template.IndexOf('>', start) + 1)];
    }

    private static string PlainText(string html)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(html, "<[^>]*>", " ");
        return System.Text.RegularExpressions.Regex.Replace(WebUtility.HtmlDecode(text), @"\s+", " ").Trim();
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)].TrimEnd() + "…";

    private static string Iso(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
