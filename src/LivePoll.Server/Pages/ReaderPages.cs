using System.Text;
using LivePoll.Server.Newsroom;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Pages;

/// <summary>
/// The reader page as it stands alone: the home page (<c>/</c>) and the "not found" page that article and poll addresses
/// share. Both depend only on settings, so each is rendered once and kept.
/// </summary>
internal sealed class ReaderPages(PageRenderer renderer, IOptions<NewsroomOptions> newsroom)
{
    /// <summary>What the site is, for search engines and link previews of the home page.</summary>
    public const string Description = "Оқиғалар лентасы, сауалнама және жаңалықтар ұсыну — тікелей.";

    /// <summary>This build of the pages, part of every rendered page's ETag: a deploy changes every page.</summary>
    public static readonly string Build = typeof(ReaderPages).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..8];

    private Task<string>? _home;
    private Task<string>? _notFound;

    /// <summary>The public site's address, without a trailing slash.</summary>
    public string Site => newsroom.Value.PublicBaseUrl.TrimEnd('/');

    public async Task<IResult> HomeAsync(HttpContext context)
    {
        var etag = $"\"h-{Build}\"";
        context.Response.Headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch.Any(v => v == etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        var html = await (_home ??= RenderAsync(new PageMeta
        {
            Title = "LivePoll",
            IsHome = true,
            Description = Description,
            Url = Site + "/",
            OEmbedSite = Site,
        }));
        return Html(html);
    }

    /// <summary>404: the reader page says "not found" by itself; search engines are told not to keep the address.</summary>
    public async Task<IResult> NotFoundAsync() =>
        Html(await (_notFound ??= RenderAsync(new PageMeta
        {
            Title = "LivePoll",
            IsHome = true,
            Description = Description,
            Url = Site + "/",
            NoIndex = true,
        })), StatusCodes.Status404NotFound);

    /// <summary>The reader page with <paramref name="meta"/> in its head, and an article or a poll in it where given.</summary>
    public Task<string> RenderAsync(PageMeta meta, ArticleModel? article = null, Contracts.PollSnapshot? poll = null) =>
        renderer.RenderAsync<ReaderPage>(new Dictionary<string, object?>
        {
            [nameof(ReaderPage.Meta)] = meta,
            [nameof(ReaderPage.Article)] = article,
            [nameof(ReaderPage.Poll)] = poll,
        });

    public static IResult Html(string html, int status = StatusCodes.Status200OK) =>
        TypedResults.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
}
