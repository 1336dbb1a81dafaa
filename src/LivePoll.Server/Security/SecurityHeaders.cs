using Microsoft.Net.Http.Headers;

namespace LivePoll.Server.Security;

/// <summary>
/// The one place that gives every answer its security headers, whatever the endpoint or status (an API answer, a feed,
/// an image, a health report, a 404, a 403, a 500): never sniffed into another type, never framed, nothing loaded or run if
/// it is opened as a page, no referrer beyond the origin. Pages set their own content security policy (their scripts and
/// styles, and who may frame an embed) and keep it; these are the defaults beneath. They are applied as the answer starts,
/// so an error handler that clears the headers cannot drop them.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>The policy of everything that is not a page: nothing may load, run or frame it.</summary>
    public const string NothingPolicy = "default-src 'none'; frame-ancestors 'none'";

    private const string ReferrerPolicy = "Referrer-Policy";

    // The browsable API reference (Scalar) is a page of its own with inline scripts: its successful answers keep no policy.
    private static readonly PathString[] ReferencePages = ["/docs", "/scalar"];

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                Apply((HttpContext)state);
                return Task.CompletedTask;
            }, context);
            return next(context);
        });

    private static void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        if (!headers.ContainsKey(ReferrerPolicy))
        {
            headers[ReferrerPolicy] = "strict-origin-when-cross-origin";
        }
        if (headers.ContainsKey(HeaderNames.ContentSecurityPolicy)
            || (context.Response.StatusCode < 400 && ReferencePages.Any(p => context.Request.Path.StartsWithSegments(p))))
        {
            return;
        }
        headers.ContentSecurityPolicy = NothingPolicy;
        headers.XFrameOptions = "DENY";
    }
}
