using LivePoll.Contracts;
using LivePoll.Server.Polls;

namespace LivePoll.Server.Pages;

/// <summary>
/// A poll's own address (<c>/polls/{id}</c>): the reader page with that poll, its question, options and (where the poll
/// shows them) counts already in the HTML, and preview tags whose image is the poll's results drawn on the server
/// (<c>/polls/{id}/results.png</c>); the page's script then goes live. Counts a poll hides from readers stay hidden here too.
/// </summary>
internal sealed class PollPage(PollStore store, PollResultsImage images, TimeProvider clock, ReaderPages pages)
{
    public static IEndpointRouteBuilder MapPollPages(IEndpointRouteBuilder pages)
    {
        pages.MapGet("/polls/{pollId}", (string pollId, string? lang, HttpContext context, PollPage page) =>
        {
            PagesApi.Secure(context.Response);
            return page.RenderAsync(pollId, Language(lang));
        });
        return pages;
    }

    /// <summary>The results image endpoint (part of the public API: link previews and partners fetch it).</summary>
    public static IEndpointRouteBuilder MapResultsImage(IEndpointRouteBuilder app)
    {
        app.MapGet("/polls/{pollId}/results.png", async (string pollId, string? lang, HttpContext context, PollPage page) =>
                await page.ImageAsync(context, pollId, Language(lang)))
            .WithTags("Polls")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A poll's results as a 1200×630 PNG for sharing")
            .WithDescription("lang: kk (default), ru or en. The question, a bar per option with its count and share, the total; counts the poll "
                + "hides from readers are not drawn. Drawn again when the poll changed, at most every 5 s under a stream of votes; "
                + "ETag and Cache-Control: public, max-age=5. The og:image of /polls/{pollId}.");
        return app;
    }

    private static string Language(string? lang) => lang is "ru" or "en" ? lang : "kk";

    private async Task<IResult> ImageAsync(HttpContext context, string pollId, string language)
    {
        if (await SnapshotAsync(pollId) is not { } snapshot)
        {
            return TypedResults.Problem($"There is no poll with id '{Security.InputText.Shown(pollId)}'.",
                statusCode: StatusCodes.Status404NotFound, title: "Unknown poll");
        }
        var (png, version) = images.Get(snapshot, language);
        var etag = $"\"p{snapshot.Epoch}-{version}-{language}\"";
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "public, max-age=5";
        if (context.Request.Headers.IfNoneMatch.Any(v => v == etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.Bytes(png, "image/png");
    }

    private async Task<PollSnapshot?> SnapshotAsync(string pollId)
    {
        if (pollId.Length is 0 or > 64 || await store.GetAsync(pollId, clock.GetUtcNow().UtcDateTime) is not { } poll)
        {
            return null;
        }
        return poll.ToSnapshot(poll.ResultsVisibleTo(voted: false, newsroom: false));
    }

    private async Task<IResult> RenderAsync(string pollId, string language)
    {
        if (await SnapshotAsync(pollId) is not { } poll)
        {
            return await pages.NotFoundAsync();
        }
        var url = $"{pages.Site}/polls/{Uri.EscapeDataString(poll.PollId)}";
        var description = string.Join(" · ", poll.Options.Select((o, i) => poll.ResultsVisible ? $"{i + 1}. {o.Text} ({o.Count})" : $"{i + 1}. {o.Text}"));
        if (description.Length > 200)
        {
            description = description[..199] + "…";
        }
        var meta = new PageMeta
        {
            Title = poll.Question,
            Description = description,
            Url = url,
            Language = language,
            Image = $"{url}/results.png?lang={language}",
            ImageType = "image/png",
            ImageWidth = PollResultsImage.Width,
            ImageHeight = PollResultsImage.Height,
            ImageAlt = poll.Question,
            OEmbedSite = pages.Site,
        };
        return ReaderPages.Html(await pages.RenderAsync(meta, poll: poll));
    }
}
