using System.Globalization;
using System.ServiceModel.Syndication;
using System.Text;
using System.Text.Json.Serialization;
using System.Xml;
using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Security;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Feed;

/// <summary>
/// The feed for feed readers and aggregators: RSS 2.0, Atom 1.0 and JSON Feed 1.1, of the whole live feed or of its key
/// events. Items are the newest articles in the feed (retracted ones are gone, corrections are noted in the item and
/// in its updated date). Answers carry an ETag (the feed's epoch and sequence: it changes with every feed event) and
/// Last-Modified, and a conditional GET that matches gets 304.
/// </summary>
internal static partial class FeedSyndication
{
    public const int ItemCount = 50;

    /// <summary>How far back the key-events feed looks for its items.</summary>
    private const int KeyEventScan = 2_000;

    public static IEndpointRouteBuilder MapFeedSyndication(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/feeds").WithTags("Feed");
        foreach (var (name, keyEvents) in new[] { ("live", false), ("key-events", true) })
        {
            var what = keyEvents ? "key events" : "the live feed";
            group.MapGet($"/{name}.rss", (HttpContext context, FeedStore store, IOptions<NewsroomOptions> newsroom) =>
                    WriteAsync(context, store, newsroom.Value, keyEvents, Format.Rss))
                .Produces(StatusCodes.Status200OK, contentType: "application/rss+xml")
                .WithSummary($"RSS 2.0 of {what}")
                .WithDescription(Description);
            group.MapGet($"/{name}.atom", (HttpContext context, FeedStore store, IOptions<NewsroomOptions> newsroom) =>
                    WriteAsync(context, store, newsroom.Value, keyEvents, Format.Atom))
                .Produces(StatusCodes.Status200OK, contentType: "application/atom+xml")
                .WithSummary($"Atom 1.0 of {what}")
                .WithDescription(Description);
            group.MapGet($"/{name}.json", (HttpContext context, FeedStore store, IOptions<NewsroomOptions> newsroom) =>
                    WriteAsync(context, store, newsroom.Value, keyEvents, Format.Json))
                .Produces(StatusCodes.Status200OK, contentType: "application/feed+json")
                .WithSummary($"JSON Feed 1.1 of {what}")
                .WithDescription(Description);
        }
        return app;
    }

    private const string Description = "The newest 50 articles in the feed, newest first: title, permalink, lead as summary, the sanitised body "
        + "as content, publication and last-change dates, tags as categories, the photo; corrections are noted at the end of the content, "
        + "retracted articles are left out. ETag and Last-Modified come with every answer; If-None-Match or If-Modified-Since that match get 304.";

    private enum Format { Rss, Atom, Json }

    private static async Task WriteAsync(HttpContext context, FeedStore store, NewsroomOptions newsroom, bool keyEvents, Format format)
    {
        var position = await store.PositionAsync();
        var etag = $"\"{position.Epoch}-{position.LastSequence}\"";
        var items = await ItemsAsync(store, keyEvents);
        var lastModified = items.Count == 0 ? DateTimeOffset.UnixEpoch : items.Max(i => Utc(i.Article.UpdatedAt));
        lastModified = new DateTimeOffset(lastModified.Year, lastModified.Month, lastModified.Day, lastModified.Hour, lastModified.Minute, lastModified.Second, TimeSpan.Zero);

        var response = context.Response;
        response.Headers.ETag = etag;
        response.Headers.LastModified = lastModified.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "public, max-age=30";
        if (NotModified(context.Request, etag, lastModified))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var site = newsroom.PublicBaseUrl.TrimEnd('/');
        var name = keyEvents ? "key-events" : "live";
        var title = keyEvents ? "LivePoll: key events" : "LivePoll: live feed";
        switch (format)
        {
            case Format.Json:
                await response.WriteAsJsonAsync(JsonFeedOf(items, site, name, title), JsonFeedContext.Default.JsonFeed, "application/feed+json; charset=utf-8");
                return;
            default:
                response.ContentType = format == Format.Rss ? "application/rss+xml; charset=utf-8" : "application/atom+xml; charset=utf-8";
                var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FeedSyndication).FullName!);
                var feed = SyndicationFeedOf(items.Select(i => (XmlSafe(i.Article, logger), i.Sequence)).ToList(), site, name, title, lastModified, format);
                using (var buffer = new MemoryStream())
                {
                    using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, Async = false }))
                    {
                        if (format == Format.Rss)
                        {
                            new Rss20FeedFormatter(feed, serializeExtensionsAsAtom: false).WriteTo(writer);
                        }
                        else
                        {
                            new Atom10FeedFormatter(feed).WriteTo(writer);
                        }
                    }
                    await response.Body.WriteAsync(buffer.ToArray());
                }
                return;
        }
    }

    /// <summary>Articles whose text XML cannot carry (and that were already noted in the log), by id and version.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, int), bool> Noted = new();

    /// <summary>
    /// The article with every text the XML feeds write cleaned (<see cref="InputText"/>). Text is cleaned as it enters, so
    /// this only meets records stored before that rule (or written around it): the feed leaves the characters out instead
    /// of failing for every reader, and the log says so once per article version.
    /// </summary>
    private static Article XmlSafe(Article article, ILogger logger)
    {
        var changed = false;
        string? Clean(string? text, bool multiline = false)
        {
            var clean = InputText.Clean(text, multiline);
            changed |= !ReferenceEquals(clean, text);
            return clean;
        }
        var safe = article with
        {
            Title = Clean(article.Title)!,
            Lead = Clean(article.Lead, multiline: true),
            Body = Clean(article.Body, multiline: true)!,
            ImageUrl = Clean(article.ImageUrl),
            ImageCredit = Clean(article.ImageCredit),
            SourceName = Clean(article.SourceName),
            SourceUrl = Clean(article.SourceUrl),
            TipCredit = Clean(article.TipCredit),
            AuthorName = Clean(article.AuthorName),
            Byline = Clean(article.Byline),
            Tags = [.. article.Tags.Select(t => Clean(t)!)],
            Corrections = [.. article.Corrections.Select(c => c with { Note = Clean(c.Note, multiline: true)! })],
        };
        if (!changed)
        {
            return article;
        }
        if (Noted.Count < 10_000 && Noted.TryAdd((article.Id, article.Version), true))
        {
            FeedLog.UnwritableText(logger, article.Id, article.Version);
        }
        return safe;
    }

    private static async Task<IReadOnlyList<(Article Article, long Sequence)>> ItemsAsync(FeedStore store, bool keyEvents)
    {
        if (!keyEvents)
        {
            return await store.PageAsync(before: null, ItemCount);
        }
        var found = new List<(Article, long)>();
        long? before = null;
        for (var scanned = 0; scanned < KeyEventScan && found.Count < ItemCount; scanned += 200)
        {
            var page = await store.PageAsync(before, 200);
            found.AddRange(page.Where(a => a.Article.KeyEvent).Take(ItemCount - found.Count));
            if (page.Count < 200)
            {
                break;
            }
            before = page[^1].Sequence;
        }
        return found;
    }

    private static bool NotModified(HttpRequest request, string etag, DateTimeOffset lastModified)
    {
        if (request.Headers.IfNoneMatch.Count > 0)
        {
            return request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "W/" + etag || t.Trim() == "*"));
        }
        return DateTimeOffset.TryParse(request.Headers.IfModifiedSince, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
            && lastModified <= since;
    }

    private static SyndicationFeed SyndicationFeedOf(IReadOnlyList<(Article Article, long Sequence)> items, string site, string name, string title,
        DateTimeOffset lastModified, Format format)
    {
        var self = $"{site}/feeds/{name}.{(format == Format.Rss ? "rss" : "atom")}";
        var feed = new SyndicationFeed(title, "Live news and polls", new Uri(site + "/"), self, lastModified)
        {
            Language = "kk",
            Generator = "LivePoll",
            Items = items.Select(i => ItemOf(i.Article, site, format)).ToList(),
        };
        feed.Links.Add(new SyndicationLink(new Uri(self), "self", title, format == Format.Rss ? "application/rss+xml" : "application/atom+xml", 0));
        return feed;
    }

    private static SyndicationItem ItemOf(Article article, string site, Format format)
    {
        var url = $"{site}/articles/{Uri.EscapeDataString(article.Id)}";
        var content = new TextSyndicationContent(ContentOf(article, site), TextSyndicationContentKind.Html);
        // RSS has one text per item (description): the whole article there; Atom has a summary (the lead) and the content.
        var item = new SyndicationItem(article.Title, format == Format.Atom ? content : null, new Uri(url), url, Utc(article.UpdatedAt))
        {
            PublishDate = Utc(article.PublishedAt ?? article.UpdatedAt),
        };
        if (format == Format.Rss)
        {
            item.Summary = content;
        }
        else if (article.Lead is { } lead)
        {
            item.Summary = new TextSyndicationContent(lead);
        }
        if (article.ShownByline is { } byline)
        {
            // Atom names the author; RSS 2.0's <author> wants an e-mail address, so RSS carries Dublin Core's creator.
            if (format == Format.Atom)
            {
                item.Authors.Add(new SyndicationPerson { Name = byline });
            }
            else
            {
                item.ElementExtensions.Add("creator", "http://purl.org/dc/elements/1.1/", byline);
            }
        }
        foreach (var tag in article.Tags)
        {
            item.Categories.Add(new SyndicationCategory(tag));
        }
        if (article.KeyEvent)
        {
            item.Categories.Add(new SyndicationCategory("key event"));
        }
        if (ImageUrl(article, site) is { } image)
        {
            item.Links.Add(SyndicationLink.CreateMediaEnclosureLink(new Uri(image), ImageType(image), 0));
        }
        return item;
    }

    private static JsonFeed JsonFeedOf(IReadOnlyList<(Article Article, long Sequence)> items, string site, string name, string title) => new()
    {
        Title = title,
        HomePageUrl = site + "/",
        FeedUrl = $"{site}/feeds/{name}.json",
        Language = "kk",
        Items = items.Select(i =>
        {
            var article = i.Article;
            var url = $"{site}/articles/{Uri.EscapeDataString(article.Id)}";
            return new JsonFeedItem
            {
                Id = url,
                Url = url,
                Title = article.Title,
                Summary = article.Lead,
                ContentHtml = ContentOf(article, site),
                Image = ImageUrl(article, site),
                DatePublished = Utc(article.PublishedAt ?? article.UpdatedAt),
                DateModified = Utc(article.UpdatedAt),
                Tags = article.KeyEvent ? [.. article.Tags, "key event"] : article.Tags,
                Language = article.Language,
                Authors = article.ShownByline is { } byline ? [new JsonFeedAuthor { Name = byline }] : null,
            };
        }).ToList(),
    };

    /// <summary>The body, with each correction noted at the end (its time in UTC and its note), as readers of the page see them.</summary>
    private static string ContentOf(Article article, string site)
    {
        var body = AbsoluteMedia(article.Body, site);
        if (article.Corrections.Count == 0)
        {
            return body;
        }
        var content = new StringBuilder(body);
        foreach (var correction in article.Corrections)
        {
            content.Append("<p><strong>Correction (")
                .Append(System.Net.WebUtility.HtmlEncode(Utc(correction.At).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)))
                .Append("):</strong> ")
                .Append(System.Net.WebUtility.HtmlEncode(correction.Note))
                .Append("</p>");
        }
        return content.ToString();
    }

    /// <summary>The main photo's address for feed readers: an uploaded photo's largest JPEG, else the address given.</summary>
    private static string? ImageUrl(Article article, string site) =>
        article.Image is { } photo ? site + photo.Largest
        : article.ImageUrl is not { } image ? null : image.StartsWith('/') ? site + image : image;

    /// <summary>
    /// A body's images as feed readers need them: their addresses on this site (<c>/media/…</c> in src and srcset) made
    /// absolute, since a feed reader shows the body away from the site.
    /// </summary>
    internal static string AbsoluteMedia(string body, string site) => body.Contains("/media/", StringComparison.Ordinal)
        ? MediaAttribute().Replace(body, m => m.Groups[1].Value + "=\"" + SiteMedia().Replace(m.Groups[2].Value, site + "/media/") + "\"")
        : body;

    [System.Text.RegularExpressions.GeneratedRegex("\\b(src|srcset)=\"([^\"]*)\"")]
    private static partial System.Text.RegularExpressions.Regex MediaAttribute();

    // "/media/" where a URL begins: the attribute's start, or after the comma of an srcset entry.
    [System.Text.RegularExpressions.GeneratedRegex("(?<=^|,\\s*)/media/")]
    private static partial System.Text.RegularExpressions.Regex SiteMedia();

    private static string ImageType(string url) => Path.GetExtension(new Uri(url).AbsolutePath).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".svg" => "image/svg+xml",
        ".webp" => "image/webp",
        ".gif" => "image/gif",
        _ => "image/jpeg",
    };

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/).</summary>
internal sealed record JsonFeed
{
    [JsonPropertyName("version")] public string Version { get; init; } = "https://jsonfeed.org/version/1.1";
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("home_page_url")] public required string HomePageUrl { get; init; }
    [JsonPropertyName("feed_url")] public required string FeedUrl { get; init; }
    [JsonPropertyName("language")] public string? Language { get; init; }
    [JsonPropertyName("items")] public required IReadOnlyList<JsonFeedItem> Items { get; init; }
}

internal sealed record JsonFeedItem
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("url")] public required string Url { get; init; }
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("summary")] public string? Summary { get; init; }
    [JsonPropertyName("content_html")] public required string ContentHtml { get; init; }
    [JsonPropertyName("image")] public string? Image { get; init; }
    [JsonPropertyName("date_published")] public DateTimeOffset DatePublished { get; init; }
    [JsonPropertyName("date_modified")] public DateTimeOffset DateModified { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
    [JsonPropertyName("language")] public string? Language { get; init; }
    [JsonPropertyName("authors")] public IReadOnlyList<JsonFeedAuthor>? Authors { get; init; }
}

internal sealed record JsonFeedAuthor
{
    [JsonPropertyName("name")] public required string Name { get; init; }
}

[JsonSerializable(typeof(JsonFeed))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class JsonFeedContext : JsonSerializerContext;
