using System.Text.Json.Serialization;
using LivePoll.Server.Feed;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Polls;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Pages;

/// <summary>Who may frame LivePoll's embeds (section <c>Embeds</c>).</summary>
public sealed class EmbedOptions
{
    public const string Section = "Embeds";

    /// <summary>
    /// Origins whose pages may show the embeds in an iframe (CSP frame-ancestors), e.g. <c>https://partner.example.com</c>;
    /// <c>*</c> allows any site. Empty: only this site's own pages. Every other page is never framed.
    /// </summary>
    public List<string> FrameAncestors { get; set; } = [];

    /// <summary>Height of the iframe in the embed code before the embed reports its own (the oEmbed and desk snippets).</summary>
    public int DefaultHeight { get; set; } = 420;
}

/// <summary>
/// Embeds for partner sites: <c>/embed/polls/{id}</c>, a small self-contained page with the poll, live, voting included,
/// framable by the configured origins; and oEmbed (<c>/oembed?url=…</c>) for poll and article addresses, so a CMS that
/// speaks oEmbed turns a pasted link into the embed.
/// </summary>
internal static class Embeds
{
    public static IServiceCollection AddEmbeds(this IServiceCollection services)
    {
        services.AddOptions<EmbedOptions>().BindConfiguration(EmbedOptions.Section)
            .Validate(o => o.FrameAncestors.All(a => a == "*" || (Uri.TryCreate(a, UriKind.Absolute, out var u) && u.AbsolutePath == "/" && u.Query.Length == 0)),
                "Embeds:FrameAncestors entries are origins such as https://partner.example.com (or * for any site).")
            .Validate(o => o.DefaultHeight is >= 100 and <= 2000, "Embeds:DefaultHeight is from 100 to 2000.")
            .ValidateOnStart();
        return services;
    }

    public static IEndpointRouteBuilder MapEmbeds(this IEndpointRouteBuilder app)
    {
        app.MapGet("/embed/polls/{pollId}", (string pollId, HttpContext context, PageAssets assets, IOptions<EmbedOptions> options) =>
            {
                PagesApi.Secure(context.Response, framedBy: options.Value.FrameAncestors);
                return assets.PageResult(context, "embed-poll.html");
            })
            .ExcludeFromDescription();

        app.MapGet("/embed/feed", (HttpContext context, PageAssets assets, IOptions<EmbedOptions> options) =>
            {
                PagesApi.Secure(context.Response, framedBy: options.Value.FrameAncestors);
                return assets.PageResult(context, "embed-feed.html");
            })
            .ExcludeFromDescription();

        app.MapGet("/oembed", OEmbedAsync)
            .WithTags("Embeds")
            .Produces<OEmbed>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status501NotImplemented)
            .WithSummary("oEmbed for a poll or article address")
            .WithDescription("url: a poll's address (/polls/{id} or /?poll={id}) → type rich, with the iframe of /embed/polls/{id}; the site's "
                + "address (/) → type rich, the live feed's iframe (/embed/feed); an article's "
                + "address (/articles/{id}) → type link, with its title and photo. maxwidth/maxheight bound the iframe. format: json only (xml is 501).");
        return app;
    }

    private static async Task<IResult> OEmbedAsync(string? url, string? format, int? maxwidth, int? maxheight, PollStore polls, FeedService feed,
        IOptions<NewsroomOptions> newsroom, IOptions<EmbedOptions> embeds, TimeProvider clock)
    {
        if (format is not (null or "json"))
        {
            return TypedResults.Problem("Only format=json is offered.", statusCode: StatusCodes.Status501NotImplemented, title: "Format not offered");
        }
        var site = newsroom.Value.PublicBaseUrl.TrimEnd('/');
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var address) || !url.StartsWith(site + "/", StringComparison.OrdinalIgnoreCase))
        {
            return NotOurs(url);
        }
        var path = address.AbsolutePath;
        var pollId = path.StartsWith("/polls/", StringComparison.Ordinal) ? Uri.UnescapeDataString(path["/polls/".Length..])
            : path == "/" ? System.Web.HttpUtility.ParseQueryString(address.Query)["poll"] : null;
        if (pollId is { Length: > 0 and <= 64 } && await polls.GetAsync(pollId, clock.GetUtcNow().UtcDateTime) is { } poll)
        {
            var width = Math.Clamp(maxwidth ?? 560, 280, 1200);
            var height = Math.Clamp(maxheight ?? embeds.Value.DefaultHeight, 150, 2000);
            return TypedResults.Json(new OEmbed
            {
                Type = "rich",
                Title = poll.Definition.Question,
                ProviderName = "LivePoll",
                ProviderUrl = site + "/",
                Width = width,
                Height = height,
                Html = EmbedCode(site, poll.Id, width, height),
                ThumbnailUrl = $"{site}/polls/{Uri.EscapeDataString(poll.Id)}/results.png",
                ThumbnailWidth = PollResultsImage.Width,
                ThumbnailHeight = PollResultsImage.Height,
            }, contentType: "application/json+oembed");
        }
        if (path == "/" && pollId is null)
        {
            // The site itself: its live feed.
            var width = Math.Clamp(maxwidth ?? 400, 240, 1200);
            var height = Math.Clamp(maxheight ?? embeds.Value.DefaultHeight, 150, 2000);
            var src = $"{site}/embed/feed";
            return TypedResults.Json(new OEmbed
            {
                Type = "rich",
                Title = "LivePoll: live feed",
                ProviderName = "LivePoll",
                ProviderUrl = site + "/",
                Width = width,
                Height = height,
                Html = $"<iframe src=\"{System.Net.WebUtility.HtmlEncode(src)}\" width=\"{width}\" height=\"{height}\" style=\"border:0;max-width:100%\" "
                    + $"title=\"LivePoll\" loading=\"lazy\" data-livepoll-embed></iframe><script async src=\"{System.Net.WebUtility.HtmlEncode(site)}/js/embed-loader.js\"></script>",
            }, contentType: "application/json+oembed");
        }
        if (path.StartsWith("/articles/", StringComparison.Ordinal) && await feed.GetAsync(Uri.UnescapeDataString(path["/articles/".Length..]), newsroom: false) is { } article)
        {
            var image = article.ImageUrl is { } i ? (i.StartsWith('/') ? site + i : i) : null;
            return TypedResults.Json(new OEmbed
            {
                Type = "link",
                Title = article.Title,
                ProviderName = "LivePoll",
                ProviderUrl = site + "/",
                ThumbnailUrl = image,
            }, contentType: "application/json+oembed");
        }
        return NotOurs(url);
    }

    /// <summary>The code a partner pastes: the iframe, and a line of script that fits its height to the poll.</summary>
    public static string EmbedCode(string site, string pollId, int width, int height)
    {
        var src = $"{site}/embed/polls/{Uri.EscapeDataString(pollId)}";
        return $"<iframe src=\"{System.Net.WebUtility.HtmlEncode(src)}\" width=\"{width}\" height=\"{height}\" style=\"border:0;max-width:100%\" "
            + $"title=\"LivePoll\" loading=\"lazy\" data-livepoll-embed></iframe>"
            + $"<script async src=\"{System.Net.WebUtility.HtmlEncode(site)}/js/embed-loader.js\"></script>";
    }

    private static IResult NotOurs(string? url) => TypedResults.Problem(
        $"'{(url is { Length: > 100 } ? url[..100] : url)}' is not the address of a poll or article on this site.",
        statusCode: StatusCodes.Status404NotFound, title: "Nothing to embed");
}

/// <summary>An oEmbed 1.0 answer (https://oembed.com).</summary>
public sealed record OEmbed
{
    [JsonPropertyName("version")] public string Version { get; init; } = "1.0";
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("provider_name")] public string? ProviderName { get; init; }
    [JsonPropertyName("provider_url")] public string? ProviderUrl { get; init; }
    [JsonPropertyName("html")] public string? Html { get; init; }
    [JsonPropertyName("width")] public int? Width { get; init; }
    [JsonPropertyName("height")] public int? Height { get; init; }
    [JsonPropertyName("thumbnail_url")] public string? ThumbnailUrl { get; init; }
    [JsonPropertyName("thumbnail_width")] public int? ThumbnailWidth { get; init; }
    [JsonPropertyName("thumbnail_height")] public int? ThumbnailHeight { get; init; }
}
