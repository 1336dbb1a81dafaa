using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Feed;
using LivePoll.Server.Polls;
using LivePoll.Server.Storage;
using LivePoll.Server.Tips;
using Microsoft.AspNetCore.Routing.Patterns;
using StackExchange.Redis;

namespace LivePoll.Server.Newsroom;

/// <summary>One thing the newsroom did: who, when, to what, and the target's state before and after.</summary>
public sealed record ActivityEntry
{
    public required DateTime At { get; init; }
    /// <summary>The account or key name, and the name shown for it ("Айгерім Сәдуақасова").</summary>
    public required string Who { get; init; }
    public string? WhoName { get; init; }
    public required string Role { get; init; }

    /// <summary>e.g. <c>article.create</c>, <c>article.corrections</c>, <c>poll.close</c>, <c>poll.exclude</c>, <c>tip.promote</c>.</summary>
    public required string Action { get; init; }

    /// <summary>The article, poll or tip id.</summary>
    public string? Target { get; init; }

    /// <summary>The article's title or the poll's question, as it stood after.</summary>
    public string? Title { get; init; }

    public string? Before { get; init; }
    public string? After { get; init; }

    /// <summary>What the request said that the states do not: a correction's or retraction's note, a network, the polls set.</summary>
    public string? Detail { get; init; }
}

/// <summary>
/// The newsroom's activity log, kept in the store (newest first, the last 10,000 entries): every change made through a
/// newsroom endpoint that succeeded, with the account or key that made it. An endpoint filter on the newsroom group
/// records it, so a new endpoint cannot slip past.
/// </summary>
public sealed class ActivityLog(IConnectionMultiplexer redis, RedisKeys keys, StoredRecords records)
{
    public const int Kept = 10_000;

    /// <summary>Endpoint metadata: changes this endpoint makes are not logged (the desk's autosave, a pointer of the desk's).</summary>
    public static readonly object NotLogged = new NotLoggedMarker();

    private sealed class NotLoggedMarker;

    public async Task RecordAsync(ActivityEntry entry)
    {
        var db = redis.GetDatabase();
        await db.ListLeftPushAsync(keys.Activity, JsonSerializer.Serialize(entry, FeedStore.Json));
        await db.ListTrimAsync(keys.Activity, 0, Kept - 1);
    }

    public async Task<IReadOnlyList<ActivityEntry>> ListAsync(int limit) =>
        (await redis.GetDatabase().ListRangeAsync(keys.Activity, 0, limit - 1))
            .Select(v => records.Read<ActivityEntry>(v, FeedStore.Json, "activity entry", keys.Activity.ToString()))
            .OfType<ActivityEntry>()
            .ToList();

    public static string Csv(IEnumerable<ActivityEntry> entries)
    {
        // Quoted where needed; a cell that a spreadsheet would run as a formula gets a leading apostrophe.
        static string Field(string? value)
        {
            if (value is null)
            {
                return "";
            }
            if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
            {
                value = "'" + value;
            }
            return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
        }
        var csv = new StringBuilder("at,who,who_name,role,action,target,title,before,after,detail\n");
        foreach (var e in entries)
        {
            csv.AppendJoin(',', Field(e.At.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)), Field(e.Who), Field(e.WhoName), Field(e.Role), Field(e.Action),
                Field(e.Target), Field(e.Title), Field(e.Before), Field(e.After), Field(e.Detail)).Append('\n');
        }
        return csv.ToString();
    }
}

/// <summary>Records every successful newsroom change in the <see cref="ActivityLog"/>, with the target's state before and after.</summary>
internal sealed class ActivityFilter(ActivityLog log, FeedService feed, PollStore polls, TipStore tips, TimeProvider clock) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
            || http.GetEndpoint()?.Metadata.Contains(ActivityLog.NotLogged) == true)
        {
            return await next(context);
        }
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern;
        var (kind, verb) = Name(pattern);
        var target = http.Request.RouteValues.TryGetValue(kind + "Id", out var id) ? id?.ToString() : null;
        var (_, before) = await StateAsync(kind, target);

        var result = await next(context);

        // A handler's Results<…> union wraps the result it chose: look at that one.
        var chosen = result;
        while (chosen is INestedHttpResult nested)
        {
            chosen = nested.Result;
        }
        var status = chosen is IStatusCodeHttpResult { StatusCode: { } code } ? code : http.Response.StatusCode;
        if (status >= 400)
        {
            return result;
        }
        target ??= (chosen as IValueHttpResult)?.Value switch
        {
            ArticleView article => article.Id,
            PollSnapshot poll => poll.PollId,
            _ => null,
        };
        var (title, after) = await StateAsync(kind, target);
        await log.RecordAsync(new ActivityEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            Who = NewsroomIdentity.Name(http.User),
            WhoName = NewsroomIdentity.DisplayName(http.User),
            Role = NewsroomIdentity.Role(http.User),
            Action = $"{kind}.{verb}",
            Target = target,
            Title = title,
            Before = before,
            After = after,
            Detail = Detail(context, http),
        });
        return result;
    }

    /// <summary>"article" and "corrections" from /api/newsroom/articles/{articleId}/corrections; "create" for a POST to the collection.</summary>
    private static (string Kind, string Verb) Name(RoutePattern? pattern)
    {
        var literals = pattern?.PathSegments.Select(s => s.Parts.Count == 1 && s.Parts[0] is RoutePatternLiteralPart l ? l.Content : null).ToList() ?? [];
        var collection = literals.Skip(2).FirstOrDefault() ?? "newsroom";
        var kind = collection.EndsWith('s') ? collection[..^1] : collection;
        var last = pattern?.PathSegments.Count > 0 ? literals[^1] : null;
        var verb = last is null || last == collection ? "create" : last;
        // /polls/{pollId}/networks/{network}/exclude names the verb last; /voters/rotate-key likewise.
        return (kind, verb);
    }

    private async Task<(string? Title, string? State)> StateAsync(string kind, string? id)
    {
        if (id is null)
        {
            return (null, null);
        }
        switch (kind)
        {
            case "article" when await feed.GetAsync(id, newsroom: true) is { } article:
                return (article.Title, $"{article.State} v{article.Version}{(article.Pinned ? ", pinned" : "")}{(article.PollIds.Count > 0 ? $", polls {string.Join(' ', article.PollIds)}" : "")}");
            case "poll" when await polls.GetAsync(id, clock.GetUtcNow().UtcDateTime) is { } poll:
                return (poll.Definition.Question, $"{poll.State}, {poll.TotalVoters} voters");
            case "tip" when await tips.GetAsync(id) is { } tip:
                return (tip.Text.Length > 80 ? tip.Text[..80] + "…" : tip.Text, tip.Handled ? $"handled{(tip.ArticleId is { } a ? $", draft {a}" : "")}" : "new");
            default:
                return (null, null);
        }
    }

    private static string? Detail(EndpointFilterInvocationContext context, HttpContext http)
    {
        var parts = new List<string>();
        foreach (var argument in context.Arguments)
        {
            switch (argument)
            {
                case CorrectionInput correction when correction.Note is { } note:
                    parts.Add("note: " + note);
                    break;
                case RetractInput { Note: { } note }:
                    parts.Add("note: " + note);
                    break;
                case ReturnInput { Note: { } note }:
                    parts.Add("note: " + note);
                    break;
                case ArticlePollsInput { PollIds: { } pollIds }:
                    parts.Add("polls: " + string.Join(' ', pollIds));
                    break;
            }
        }
        if (http.Request.RouteValues.TryGetValue("network", out var network))
        {
            parts.Add("network: " + network);
        }
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }
}
