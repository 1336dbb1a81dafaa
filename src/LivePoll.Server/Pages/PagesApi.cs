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

    /// <summary>
    /// Pages made per request (the reader page, permalinks, poll pages, embeds) go Brotli- or gzip-compressed, at the
    /// fastest level. Only HTML: it carries no secret beside reader input (no tokens, no session data), so BREACH has
    /// nothing to guess; API answers (JSON, some with a newsroom's data) and the hub are never compressed. Static files
    /// come precompressed (<see cref="PrecompressedStaticFiles"/>).
    /// </summary>
    public static IServiceCollection AddPageCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.MimeTypes = ["text/html"];
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProvider>();
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProvider>();
        });
        services.Configure<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.Configure<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        return services;
    }

    public static WebApplication UsePages(this WebApplication app)
    {
        app.UseResponseCompression();
        var files = app.Environment.WebRootFileProvider;
        var assets = app.Services.GetRequiredService<PageAssets>();
        app.Use((context, next) =>
        {
            PrecompressedStaticFiles.Rewrite(context, files);
            return next(context);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = PrecompressedStaticFiles.ContentTypes,
            OnPrepareResponse = c =>
            {
                Secure(c.Context.Response);
                if (assets.IsCurrent(c.Context.Request))
                {
                    c.Context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
                }
            },
        });
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

    private static Func<HttpContext, PageAssets, IResult> Page(string file) => (context, assets) =>
    {
        Secure(context.Response);
        return assets.PageResult(context, file);
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
        var policy = SecurityPolicy;
        if (framedBy is null)
        {
            headers.ContentSecurityPolicy = policy;
            headers.XFrameOptions = "DENY";
        }
        else
        {
            var ancestors = framedBy.Contains("*") ? "*" : string.Join(' ', ["'self'", .. framedBy.Select(o => o.TrimEnd('/'))]);
            headers.ContentSecurityPolicy = policy.Replace("frame-ancestors 'none'", "frame-ancestors " + ancestors, StringComparison.Ordinal);
        }
    }
}
