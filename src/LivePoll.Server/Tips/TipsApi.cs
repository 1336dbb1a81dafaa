using System.Net;
using LivePoll.Contracts;
using LivePoll.Server.Abuse;
using LivePoll.Server.Feed;
using LivePoll.Server.Live;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Tips;

internal static class TipsApi
{
    public const int MaxTextLength = 5_000;

    /// <summary>The newsroom's SignalR group: only connections signed in as editor or screen join it.</summary>
    public const string NewsroomGroup = "newsroom";

    public static RouteGroupBuilder MapTips(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Tips");
        var maxBody = app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<AbuseOptions>>().Value.MaxTipBodyBytes;
        group.MapPost("/tips", Submit)
            .TipRateLimited()
            .WithMetadata(new RequestSizeLimitAttribute(maxBody))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Send the newsroom a news tip")
            .WithDescription($"text is required (up to {MaxTextLength} characters); name, contact and link are optional; creditConsent "
                + "lets an editor credit the tipster by name. Tips go to the newsroom only; readers never see them.");
        return group;
    }

    public static RouteGroupBuilder MapNewsroomTips(this RouteGroupBuilder newsroom)
    {
        var group = newsroom.MapGroup("/tips");
        group.MapGet("/", async (TipStore store, bool? handled, int? limit) =>
                TypedResults.Ok(await store.ListAsync(handled, Math.Clamp(limit ?? 100, 1, 1000))))
            .WithSummary("Tips, newest first; handled=false for the inbox");
        group.MapPost("/{tipId}/handled", MarkHandled).WithSummary("Mark a tip handled").EditorsOnly();
        group.MapPost("/{tipId}/promote", Promote)
            .WithSummary("Make a draft article of a tip")
            .WithDescription("The draft keeps the tipster's credit (tipCredit) when they agreed to it. Publish it with /api/newsroom/articles/{id}/publish.")
            .EditorsOnly();
        return group;
    }

    private static async Task<Results<Accepted<TipReceipt>, ValidationProblem>> Submit(
        [FromBody] TipInput input, TipStore store, IHubContext<LiveHub, ILiveClient> hub, TimeProvider clock)
    {
        // A reader's words as they will be kept (InputText); the link is checked as given.
        input = input with
        {
            Text = InputText.Clean(input.Text, multiline: true),
            Name = InputText.Clean(input.Name),
            Contact = InputText.Clean(input.Contact),
        };
        var errors = Validate(input);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The tip could not be sent");
        }
        var tip = await store.AddAsync(input, clock.GetUtcNow().UtcDateTime);
        await hub.Clients.Group(NewsroomGroup).TipReceived(tip);
        return TypedResults.Accepted((string?)null, new TipReceipt { Id = tip.Id, Message = "Thank you: your tip has reached the newsroom." });
    }

    private static async Task<Results<Ok<Tip>, ProblemHttpResult>> MarkHandled(string tipId, TipStore store, IHubContext<LiveHub, ILiveClient> hub)
    {
        if (await store.GetAsync(tipId) is not { } tip)
        {
            return UnknownTip(tipId);
        }
        tip = tip with { Handled = true };
        await store.SaveAsync(tip);
        await hub.Clients.Group(NewsroomGroup).TipUpdated(tip);
        return TypedResults.Ok(tip);
    }

    private static async Task<Results<Created<ArticleView>, ProblemHttpResult>> Promote(
        string tipId, TipStore store, FeedService feed, IHubContext<LiveHub, ILiveClient> hub, HttpContext context)
    {
        if (await store.GetAsync(tipId) is not { } tip)
        {
            return UnknownTip(tipId);
        }
        var firstLine = tip.Text.Split('\n', 2)[0].Trim();
        // Keyed by the tip: promoting it twice (two editors, a double click) makes one draft.
        var made = await feed.CreateAsync(
            new ArticleInput
            {
                Title = firstLine.Length > 120 ? firstLine[..120] + "…" : firstLine,
                Body = string.Join("", tip.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => $"<p>{WebUtility.HtmlEncode(p.Trim())}</p>")),
                SourceUrl = tip.Link,
                Draft = true,
            },
            NewsroomMember.Of(context.User),
            tipCredit: tip.CreditConsent ? tip.Name : null,
            idempotencyKey: "tip:" + tip.Id);
        if (made.Article is not { } article)
        {
            return TypedResults.Problem(made.Error ?? "The tip could not be made into a draft.", statusCode: StatusCodes.Status409Conflict, title: "Not promoted");
        }
        tip = tip with { Handled = true, ArticleId = article.Id };
        await store.SaveAsync(tip);
        await hub.Clients.Group(NewsroomGroup).TipUpdated(tip);
        return TypedResults.Created($"/api/newsroom/articles/{article.Id}", article);
    }

    private static Dictionary<string, string[]> Validate(TipInput input)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(input.Text))
        {
            errors["text"] = ["Write your tip."];
        }
        else if (input.Text.Length > MaxTextLength)
        {
            errors["text"] = [$"A tip is at most {MaxTextLength} characters."];
        }
        if (input.Name?.Length > 100)
        {
            errors["name"] = ["A name is at most 100 characters."];
        }
        if (input.Contact?.Length > 200)
        {
            errors["contact"] = ["Contact details are at most 200 characters."];
        }
        if (!string.IsNullOrWhiteSpace(input.Link)
            && (InputText.FirstUnclean(input.Link) is not null || !(Uri.TryCreate(input.Link, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))))
        {
            errors["link"] = ["The link must be an absolute http(s) address."];
        }
        return errors;
    }

    private static ProblemHttpResult UnknownTip(string tipId) =>
        TypedResults.Problem($"There is no tip with id '{Security.InputText.Shown(tipId)}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown tip");
}
