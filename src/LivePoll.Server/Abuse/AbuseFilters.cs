using System.Globalization;
using LivePoll.Contracts;
using LivePoll.Server.Polls;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Abuse;

/// <summary>Refuses votes and tips over the rate limits with 429, Retry-After and a ProblemDetails.</summary>
internal static class RateLimitEndpoints
{
    internal const string TooManyVotes = "Too many votes: wait a moment and vote again.";

    /// <summary>
    /// The vote limits of one HTTP vote, checked in the handler itself (an endpoint filter would put every vote
    /// through the filter pipeline): a 429 to return, or null when the vote may go ahead.
    /// </summary>
    public static async ValueTask<ProblemHttpResult?> RefuseVoteAsync(AbuseLimiter limiter, HttpContext http) =>
        limiter.AppliesTo(http.User) && await limiter.TryVoteAsync(http.Connection.RemoteIpAddress, VoterMiddleware.Get(http).Id) is { } wait
            ? TooMany(http, wait, TooManyVotes)
            : null;

    public static TBuilder TipRateLimited<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RateLimited((limiter, http) => limiter.TryTipAsync(http.Connection.RemoteIpAddress, VoterMiddleware.Get(http).Id),
            "Too many tips from your network: please try again later.");

    public static TBuilder VoterTokenRateLimited<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RateLimited((limiter, http) => new ValueTask<TimeSpan?>(limiter.TryIssueVoterAsync(http.Connection.RemoteIpAddress)),
            "Too many voter tokens for your network: an app needs one per user, not one per vote.");

    public static TBuilder SignInRateLimited<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RateLimited((limiter, http) => new ValueTask<TimeSpan?>(limiter.TrySignInAsync(http.Connection.RemoteIpAddress)),
            "Too many sign-in attempts from your network.");

    private static TBuilder RateLimited<TBuilder>(this TBuilder builder, Func<AbuseLimiter, HttpContext, ValueTask<TimeSpan?>> take, string detail)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var limiter = http.RequestServices.GetRequiredService<AbuseLimiter>();
            return limiter.AppliesTo(http.User) && await take(limiter, http) is { } wait
                ? TooMany(http, wait, detail)
                : await next(context);
        });

    internal static ProblemHttpResult TooMany(HttpContext http, TimeSpan wait, string detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem($"{detail} Retry after {seconds} s.", statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests", extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }
}

/// <summary>The same vote limits on the hub, where HTTP rate limiting does not reach: a refused call gets a HubException.</summary>
internal sealed class HubRateLimitFilter(AbuseLimiter limiter, VoterTokens tokens) : IHubFilter
{
    // Calls that the limits do not concern (other methods, exempt clients) pass straight through, without an async frame.
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next) =>
        context.HubMethodName == HubMethods.Vote && limiter.AppliesTo(context.Context.User)
            ? LimitedAsync(context, next)
            : next(context);

    private async ValueTask<object?> LimitedAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var http = context.Context.GetHttpContext();
        var voterId = context.HubMethodArguments.Count > 0 && context.HubMethodArguments[0] is VoteRequest { VoterToken: { } token }
            ? await tokens.ValidateAsync(token)
            : VoterMiddleware.Get(http).Id;
        if (await limiter.TryVoteAsync(http?.Connection.RemoteIpAddress, voterId) is { } wait)
        {
            if (context.HubMethodArguments.Count > 0 && context.HubMethodArguments[0] is VoteRequest { PollId: { } pollId })
            {
                context.ServiceProvider.GetRequiredService<PollStore>().CountRefusal(pollId, "RateLimited");
            }
            throw new HubException($"{RateLimitEndpoints.TooManyVotes} Retry after {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} s.");
        }
        return await next(context);
    }
}

/// <summary>
/// Guards the hub's door: refuses browser pages from origins not allowed (WebSockets are not covered by CORS)
/// and clients over the per-IP connection cap. A WebSocket request lasts as long as its connection, so
/// counting the requests in flight counts the connections.
/// </summary>
internal sealed class HubDoorMiddleware(RequestDelegate next, AbuseLimiter limiter, Microsoft.Extensions.Options.IOptions<AbuseOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsAllowedOrigin(context.Request, origin, options.Value.AllowedOrigins))
        {
            await Results.Problem($"Pages from {origin} may not connect; allowed origins are set in Limits:AllowedOrigins.",
                statusCode: StatusCodes.Status403Forbidden, title: "Origin not allowed").ExecuteAsync(context);
            return;
        }

        var counted = limiter.AppliesTo(context.User) && !context.Request.Path.Value!.EndsWith("/negotiate", StringComparison.Ordinal);
        if (counted && !limiter.TryOpenConnection(context.Connection.RemoteIpAddress))
        {
            await RateLimitEndpoints.TooMany(context, TimeSpan.FromSeconds(30), "Too many open connections from your network.").ExecuteAsync(context);
            return;
        }
        try
        {
            await next(context);
        }
        finally
        {
            if (counted)
            {
                limiter.CloseConnection(context.Connection.RemoteIpAddress);
            }
        }
    }

    public static bool IsAllowedOrigin(HttpRequest request, string origin, IReadOnlyList<string> allowed) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase)
        || allowed.Any(a => string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
}
