namespace LivePoll.Server.Pages;

/// <summary>
/// The pages people use: the reader page (<c>/</c> and every article permalink <c>/articles/{id}</c>), the newsroom
/// wall screen (<c>/screen</c>) and the desk (<c>/desk</c>), with their scripts, styles and the npm-built libraries
/// under wwwroot. Pages are revalidated on every load (no-cache + ETag) so a deploy reaches readers at once, and are
/// sent with a content security policy that allows only this site's own scripts.
/// </summary>
internal static class PagesApi
{
    private const string SecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; "
        + "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UsePages(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = c => Secure(c.Context.Response) });
        return app;
    }

    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").ExcludeFromDescription();
        pages.MapGet("/", (HttpContext context, ReaderPages reader) =>
        {
            Secure(context.Response);
            return reader.HomeAsync(context);
        });
        pages.MapGet("/articles/{articleId}", (string articleId, HttpContext context, ArticlePage page) =>
        {
            Secure(context.Response);
            return page.RenderAsync(context, articleId);
        });
        PollPage.MapPollPages(pages);
        PollPage.MapResultsImage(app);
        pages.MapGet("/screen", Page("screen.html"));
        pages.MapGet("/desk", Page("desk.html"));
        return app;
    }

    private static Func<HttpContext, IWebHostEnvironment, IResult> Page(string file) => (context, environment) =>
    {
        Secure(context.Response);
        var path = Path.Combine(environment.WebRootPath, file);
        return TypedResults.PhysicalFile(path, "text/html; charset=utf-8", lastModified: File.GetLastWriteTimeUtc(path));
    };

    /// <summary>
    /// The pages' own security headers, over the defaults every answer gets (<see cref="Security.SecurityHeaders"/>): the
    /// pages' content security policy, revalidation on every load. A page is never framed, except an embed by <paramref name="framedBy"/> (CSP
    /// frame-ancestors; X-Frame-Options cannot name origins, so embeds go without it).
    /// </summary>
    internal static void Secure(HttpResponse response, IReadOnlyList<string>? framedBy = null)
    {
        var headers = response.Headers;
        headers.CacheControl = "no-cache";
        if (framedBy is null)
        {
            headers.ContentSecurityPolicy = SecurityPolicy;
            headers.XFrameOptions = "DENY";
        }
        else
        {
            var ancestors = framedBy.Contains("*") ? "*" : string.Join(' ', ["'self'", .. framedBy.Select(o => o.TrimEnd('/'))]);
            headers.ContentSecurityPolicy = SecurityPolicy.Replace("frame-ancestors 'none'", "frame-ancestors " + ancestors, StringComparison.Ordinal);
        }
    }
}
