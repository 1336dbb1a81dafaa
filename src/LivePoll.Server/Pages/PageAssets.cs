using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.FileProviders;

namespace LivePoll.Server.Pages;

/// <summary>
/// Fingerprints of the pages' bundled scripts (wwwroot/lib/pages, made by the build): a page links
/// <c>/lib/pages/reader.js?v=Kx3…</c>, and an answer for the current fingerprint may be kept by the browser for a year
/// (immutable): a returning reader loads the page's script from its cache without asking, and a deploy changes the
/// fingerprint, so nobody runs an old script. A fingerprint is the start of the file's SHA-256, read again when the file
/// changes.
/// </summary>
internal sealed class PageAssets(IWebHostEnvironment environment)
{
    public const string Folder = "/lib/pages/";

    private readonly ConcurrentDictionary<string, (DateTimeOffset Modified, string Version)> _versions = new(StringComparer.Ordinal);

    /// <summary>The path with its fingerprint (<c>?v=…</c>), or as it is where the file is missing.</summary>
    public string Versioned(string path) => Version(path) is { } version ? $"{path}?v={version}" : path;

    /// <summary>True when the request names the current fingerprint of a bundled script: it may be cached for good.</summary>
    public bool IsCurrent(HttpRequest request) =>
        request.Path.StartsWithSegments(Folder.TrimEnd('/')) && request.Query["v"] is [{ } asked]
        && Version(request.Path.Value!) is { } version && string.Equals(asked, version, StringComparison.Ordinal);

    /// <summary>
    /// A page kept as a file (wwwroot/desk.html and the like), its script links fingerprinted, with an ETag: a browser that
    /// has this version gets 304.
    /// </summary>
    public IResult PageResult(HttpContext context, string file)
    {
        var html = Page(file);
        var etag = $"\"f-{Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(html)))[..16]}\"";
        context.Response.Headers.ETag = etag;
        return context.Request.Headers.IfNoneMatch.Any(v => v == etag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8);
    }

    /// <summary>A page kept as a file, with the links to its bundled scripts fingerprinted.</summary>
    public string Page(string file)
    {
        var html = File.ReadAllText(Path.Combine(environment.WebRootPath, file));
        var start = 0;
        while ((start = html.IndexOf("src=\"" + Folder, start, StringComparison.Ordinal)) >= 0)
        {
            var from = start + "src=\"".Length;
            var end = html.IndexOf('"', from);
            var path = html[from..end];
            var versioned = Versioned(path);
            html = html[..from] + versioned + html[end..];
            start = from + versioned.Length;
        }
        return html;
    }

    private string? Version(string path)
    {
        IFileInfo file = environment.WebRootFileProvider.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory)
        {
            return null;
        }
        if (_versions.TryGetValue(path, out var known) && known.Modified == file.LastModified)
        {
            return known.Version;
        }
        using var stream = file.CreateReadStream();
        var version = Convert.ToBase64String(SHA256.HashData(stream))[..12].Replace('+', '-').Replace('/', '_');
        _versions[path] = (file.LastModified, version);
        return version;
    }
}
