using System.Security.Cryptography;
using System.Text;
using LivePoll.Contracts;
using LivePoll.Server.Feed;
using LivePoll.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;

namespace LivePoll.Server.Newsroom;

/// <summary>
/// What the desk keeps for each member between devices: the article they are writing. The composer autosaves into a draft
/// (POST, then PUT /api/newsroom/articles/{id}); this names that draft, so a reload, another browser or another device
/// opens the composer on it again, whatever node answers.
/// </summary>
internal static class DeskApi
{
    public static RouteGroupBuilder MapNewsroomDesk(this RouteGroupBuilder newsroom)
    {
        var group = newsroom.MapGroup("/desk");
        group.MapGet("/composing", GetAsync)
            .WithSummary("The article you are writing at the desk")
            .WithDescription("The newsroom's view of the draft your composer last worked on (any device), or article: null. It goes when the "
                + "article is published, submitted or retracted, or when PUT names none.")
            .WritersOnly();
        group.MapPut("/composing", SetAsync)
            .WithSummary("Name the article you are writing (null: none)")
            .WithDescription("Body { articleId }: an article you may write (your own draft; any draft for an editor), or null to start afresh.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WritersOnly()
            .WithMetadata(ActivityLog.NotLogged);
        return group;
    }

    public sealed record Composing(ArticleView? Article);

    private static RedisKey KeyOf(RedisKeys keys, HttpContext context) =>
        keys.Composing(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(NewsroomIdentity.Name(context.User))))[..24]);

    private static async Task<Ok<Composing>> GetAsync(HttpContext context, IConnectionMultiplexer redis, RedisKeys keys, FeedService feed)
    {
        var id = await redis.GetDatabase().StringGetAsync(KeyOf(keys, context));
        var article = id.IsNullOrEmpty ? null : await feed.GetAsync(id.ToString(), newsroom: true);
        // A draft that was published, submitted or retracted meanwhile is no longer being written.
        return TypedResults.Ok(new Composing(article is { State: ArticleState.Draft or ArticleState.Returned } ? article : null));
    }

    private static async Task<Results<Ok<Composing>, ProblemHttpResult>> SetAsync(ComposingInput input, HttpContext context,
        IConnectionMultiplexer redis, RedisKeys keys, FeedService feed)
    {
        var key = KeyOf(keys, context);
        if (input.ArticleId is null)
        {
            await redis.GetDatabase().KeyDeleteAsync(key);
            return TypedResults.Ok(new Composing(null));
        }
        if (await feed.GetAsync(input.ArticleId, newsroom: true) is not { } article)
        {
            return TypedResults.Problem($"There is no article with id '{Security.InputText.Shown(input.ArticleId)}'.",
                statusCode: StatusCodes.Status404NotFound, title: "Unknown article");
        }
        await redis.GetDatabase().StringSetAsync(key, article.Id, TimeSpan.FromDays(30));
        return TypedResults.Ok(new Composing(article));
    }
}
