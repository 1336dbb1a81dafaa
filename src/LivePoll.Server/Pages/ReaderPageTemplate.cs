using System.Text;

namespace LivePoll.Server.Pages;

/// <summary>
/// The reader page (wwwroot/index.html) that server-rendered pages (article permalinks, poll pages) fill in: read once and
/// again only when the file changes (a deploy), with the "not found" answer they share.
/// </summary>
internal sealed class ReaderPageTemplate(IWebHostEnvironment environment)
{
    private (DateTime Written, string Text)? _current;

    /// <summary>The page's text and when its file was written (part of rendered pages' ETags).</summary>
    public (DateTime Written, string Text) Current
    {
        get
        {
            var path = Path.Combine(environment.WebRootPath, "index.html");
            var written = File.GetLastWriteTimeUtc(path);
            if (_current is not { } known || known.Written != written)
            {
                _current = known = (written, File.ReadAllText(path));
            }
            return known;
        }
    }

    /// <summary>404: the page says "not found" by itself; search engines are told not to keep the address.</summary>
    public IResult NotFound() => TypedResults.Content(
        Current.Text.Replace("<meta name=\"theme-color\"", "<meta name=\"robots\" content=\"noindex\">\n  <meta name=\"theme-color\"", StringComparison.Ordinal),
        "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status404NotFound);
}
