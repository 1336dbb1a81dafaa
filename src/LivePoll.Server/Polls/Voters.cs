namespace LivePoll.Server.Polls;

/// <summary>Who is voting on this request: a valid voter id, nobody yet, or a token that failed its check.</summary>
public readonly record struct Voter(string? Id, bool Invalid)
{
    public bool IsValid => Id is not null;
}

/// <summary>
/// Resolves the voter of each poll and hub request (token header, <c>?voter=</c>, or cookie). A new voter costs a
/// solved challenge (<see cref="VoterChallenges"/>, <c>POST /api/voters</c>); only where the challenge is off, or for
/// an API key exempt from the limits (load tools), does a request without a voter get a new one on the spot.
/// </summary>
public sealed class VoterMiddleware(RequestDelegate next, VoterTokens tokens, VoterChallenges challenges, Abuse.AbuseLimiter limiter)
{
    private static readonly object ItemKey = new();

    public async Task InvokeAsync(HttpContext context)
    {
        context.Items[ItemKey] = await ResolveAsync(context);
        await next(context);
    }

    /// <summary>The voter the middleware resolved for this request.</summary>
    public static Voter Get(HttpContext? context) =>
        context?.Items.TryGetValue(ItemKey, out var voter) == true ? (Voter)voter! : new Voter(null, Invalid: false);

    private async ValueTask<Voter> ResolveAsync(HttpContext context)
    {
        var request = context.Request;
        string? explicitToken = request.Headers[VoterTokens.HeaderName];
        if (string.IsNullOrEmpty(explicitToken))
        {
            explicitToken = request.Query[VoterTokens.QueryName];
        }
        if (!string.IsNullOrEmpty(explicitToken))
        {
            return await tokens.ValidateVoterAsync(explicitToken);
        }

        if (request.Cookies.TryGetValue(VoterTokens.CookieName, out var cookie))
        {
            var (id, stale) = await tokens.CheckAsync(cookie);
            if (id is not null && stale && HttpMethods.IsGet(request.Method) && !context.WebSockets.IsWebSocketRequest)
            {
                // Signed with an older key, or past half its life: the same voter, a fresh cookie.
                context.Response.Headers.Append(Microsoft.Net.Http.Headers.HeaderNames.SetCookie,
                    tokens.SetCookieHeader(request, await tokens.IssueForAsync(id)));
            }
            if (id is not null || !HttpMethods.IsGet(request.Method))
            {
                return new Voter(id, Invalid: id is null);
            }
            // A spoilt cookie on a page load: replace it, so the reader can vote again after a reload.
        }

        if (challenges.Required && limiter.AppliesTo(context.User))
        {
            // No identity without work: the vote answers VoterRequired, the page solves a challenge first.
            return new Voter(null, Invalid: false);
        }
        var (voterId, token) = await tokens.IssueAsync();
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Append(Microsoft.Net.Http.Headers.HeaderNames.SetCookie, tokens.SetCookieHeader(request, token));
        }
        return new Voter(voterId, Invalid: false);
    }
}
