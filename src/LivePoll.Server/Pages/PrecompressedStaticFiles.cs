using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace LivePoll.Server.Pages;

/// <summary>
/// Sends a static file's Brotli or gzip copy, made at build time (ClientApp/precompress.mjs, under
/// wwwroot/lib/precompressed), to a browser that accepts it: the poll embed's scripts travel as ~40 KiB instead of
/// ~140 KiB, and no request pays for compressing. Static files hold no secrets, so compressing them is safe from BREACH.
/// A copy older than its file (edited since the build) is not used.
/// </summary>
internal static class PrecompressedStaticFiles
{
    private const string Folder = "/lib/precompressed";

    private static readonly FileExtensionContentTypeProvider Types = new();

    /// <summary>Points a request for /js/live.js at /lib/precompressed/js/live.js.br when that copy is fresh and accepted.</summary>
    public static void Rewrite(HttpContext context, IFileProvider files)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
            || !request.Path.HasValue || request.Path.StartsWithSegments(Folder) || !Types.TryGetContentType(request.Path.Value, out _))
        {
            return;
        }
        var file = files.GetFileInfo(request.Path.Value);
        if (!file.Exists || file.IsDirectory)
        {
            return;
        }
        context.Response.Headers.Append(HeaderNames.Vary, HeaderNames.AcceptEncoding);
        foreach (var (encoding, suffix) in Accepted(request))
        {
            var copy = files.GetFileInfo(Folder + request.Path.Value + suffix);
            if (copy.Exists && copy.LastModified >= file.LastModified)
            {
                request.Path = Folder + request.Path.Value + suffix;
                context.Response.Headers.ContentEncoding = encoding;
                return;
            }
        }
    }

    /// <summary>The content type of a file, of its precompressed copy too (x.js.br is JavaScript).</summary>
    public static IContentTypeProvider ContentTypes { get; } = new CopyTypes();

    private static IEnumerable<(string Encoding, string Suffix)> Accepted(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        bool Takes(string encoding) => accepted.Any(a => a.Value.Equals(encoding, StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);
        if (Takes("br"))
        {
            yield return ("br", ".br");
        }
        if (Takes("gzip"))
        {
            yield return ("gzip", ".gz");
        }
    }

    private sealed class CopyTypes : IContentTypeProvider
    {
        public bool TryGetContentType(string subpath, out string contentType)
        {
            if (subpath.StartsWith(Folder + "/", StringComparison.Ordinal))
            {
                subpath = subpath.EndsWith(".br", StringComparison.Ordinal) || subpath.EndsWith(".gz", StringComparison.Ordinal) ? subpath[..^3] : subpath;
            }
            return Types.TryGetContentType(subpath, out contentType!);
        }
    }
}
