using System.Net;
using System.Text;
using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Polls;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Pages;

/// <summary>
/// A poll's own address (<c>/polls/{id}</c>): the reader page with that poll, its question, options and (where the poll
/// shows them) counts already in the HTML, and preview tags whose image is the poll's results drawn on the server
/// (<c>/polls/{id}/results.png</c>); the page's script then goes live. Counts a poll hides from readers stay hidden here too.
/// </summary>
internal sealed class PollPage(PollStore store, PollResultsImage images, IOptions<NewsroomOptions> newsroom, TimeProvider clock, ReaderPageTemplate readerPage)
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
            return TypedResults.Problem($"There is no poll with id '{(pollId.Length > 40 ? pollId[..40] : pollId)}'.",
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
            return readerPage.NotFound();
        }
        var template = readerPage.Current.Text;
        string E(string? text) => WebUtility.HtmlEncode(text ?? "");
        var site = newsroom.Value.PublicBaseUrl.TrimEnd('/');
        var url = $"{site}/polls/{Uri.EscapeDataString(poll.PollId)}";
        var image = $"{url}/results.png?lang={language}";
        var description = string.Join(" · ", poll.Options.Select((o, i) => poll.ResultsVisible ? $"{i + 1}. {o.Text} ({o.Count})" : $"{i + 1}. {o.Text}"));
        if (description.Length > 200)
        {
            description = description[..199] + "…";
        }

        var head = new StringBuilder()
            .Append("<title>").Append(E(poll.Question)).Append(" — LivePoll</title>\n")
            .Append("  <link rel=\"canonical\" href=\"").Append(E(url)).Append("\">\n")
            .Append("  <meta property=\"og:type\" content=\"website\">\n")
            .Append("  <meta property=\"og:site_name\" content=\"LivePoll\">\n")
            .Append("  <meta property=\"og:title\" content=\"").Append(E(poll.Question)).Append("\">\n")
            .Append("  <meta property=\"og:description\" content=\"").Append(E(description)).Append("\">\n")
            .Append("  <meta property=\"og:url\" content=\"").Append(E(url)).Append("\">\n")
            .Append("  <meta property=\"og:image\" content=\"").Append(E(image)).Append("\">\n")
            .Append("  <meta property=\"og:image:type\" content=\"image/png\">\n")
            .Append("  <meta property=\"og:image:width\" content=\"").Append(PollResultsImage.Width).Append("\">\n")
            .Append("  <meta property=\"og:image:height\" content=\"").Append(PollResultsImage.Height).Append("\">\n")
            .Append("  <meta name=\"twitter:card\" content=\"summary_large_image\">\n")
            .Append("  <meta name=\"twitter:title\" content=\"").Append(E(poll.Question)).Append("\">\n")
            .Append("  <meta name=\"twitter:description\" content=\"").Append(E(description)).Append("\">\n")
            .Append("  <meta name=\"twitter:image\" content=\"").Append(E(image)).Append("\">\n")
            .Append(Embeds.DiscoveryLink(site, url, poll.Question));

        var card = new StringBuilder("<p class=\"poll-question\">").Append(E(poll.Question)).Append("</p><ol class=\"poll-options\">");
        foreach (var option in poll.Options)
        {
            card.Append("<li class=\"poll-option\">").Append(E(option.Text));
            if (poll.ResultsVisible)
            {
                card.Append(" <span class=\"option-count\">(").Append(option.Count).Append(")</span>");
            }
            card.Append("</li>");
        }
        card.Append("</ol>");
        if (poll.ResultsVisible)
        {
            card.Append("<p class=\"poll-total\">").Append(poll.TotalVoters).Append("</p>");
        }

        var html = template
            .Replace("<html lang=\"kk\">", $"<html lang=\"{language}\">", StringComparison.Ordinal)
            .Replace("<title>LivePoll</title>\n", head.ToString(), StringComparison.Ordinal)
            .Replace("<div id=\"poll\" class=\"poll\"><p class=\"muted\" data-t=\"loading\"></p></div>",
                $"<div id=\"poll\" class=\"poll\" data-poll-id=\"{E(poll.PollId)}\">{card}</div>", StringComparison.Ordinal);
        return TypedResults.Content(html, "text/html; charset=utf-8", Encoding.UTF8);
    }
}
