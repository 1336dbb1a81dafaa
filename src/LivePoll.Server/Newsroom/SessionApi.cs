using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using LivePoll.Server.Abuse;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Newsroom;

/// <summary>Sign-in for the newsroom's browser pages (desk, screen): a cookie for a name and password.</summary>
internal static class SessionApi
{
    public const string Path = "/api/session";

    public static RouteGroupBuilder MapNewsroomSession(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path).WithTags("Newsroom");
        group.MapPost("/", SignIn)
            .SignInRateLimited()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Sign in to the newsroom")
            .WithDescription("Body { name, password }. Sets the HttpOnly lp_newsroom cookie (SameSite=Strict) the desk and screen pages use. "
                + "At most Limits:SignInsPerIpPer15Minutes (10) attempts per network per 15 minutes, across all nodes; 429 with Retry-After beyond.");
        group.MapGet("/", (ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true
                ? Results.Ok(new SessionInfo(user.Identity.Name!, user.FindFirstValue(ClaimTypes.Role)!, NewsroomIdentity.DisplayName(user)))
                : Results.Problem("Not signed in.", statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in"))
            .WithSummary("Who is signed in");
        group.MapDelete("/", async (HttpContext context) =>
            {
                await context.SignOutAsync(NewsroomSchemes.Cookie);
                return TypedResults.NoContent();
            })
            .WithSummary("Sign out")
            .WithDescription("Ends the session in the store: the same cookie is refused afterwards on every node.");
        return group;
    }

    // Checked against when the name is unknown, so an unknown name costs the same time as a wrong password.
    private static readonly Lazy<NewsroomAccount> NobodyAccount = new(() => new NewsroomAccount { Name = "", PasswordHash = Passwords.Hash(Guid.NewGuid().ToString()) });

    private static async Task<Results<Ok<SessionInfo>, ProblemHttpResult>> SignIn(
        SignInRequest request, HttpContext context, IOptionsMonitor<NewsroomOptions> options, AbuseLimiter limiter, TimeProvider clock)
    {
        // Besides the allowance per network (the endpoint's filter), each name gets its own: guessing one account's password
        // from many networks locks the name, but not against the networks it usually signs in from.
        var ip = context.Connection.RemoteIpAddress;
        if (await limiter.SignInLockedAsync(request.Name, ip) is { } wait)
        {
            return RateLimitEndpoints.TooMany(context, wait, "Too many wrong passwords for this name from networks it does not usually sign in "
                + "from: it is locked for a while, except from those networks. A newsroom API key still works.");
        }
        var account = options.CurrentValue.Accounts.FirstOrDefault(a => string.Equals(a.Name, request.Name, StringComparison.Ordinal));
        var password = request.Password is { Length: > 0 and <= 1024 } given ? given : null;
        // The same answer, after the same work, for an unknown name and a wrong password, so names cannot be probed.
        var verified = password is not null && Passwords.Verify(account ?? NobodyAccount.Value, password) && account is not null;
        if (!verified || account is null)
        {
            await limiter.RecordSignInFailureAsync(request.Name);
            return TypedResults.Problem("The name or password is not right.", statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        }
        var displayName = account.DisplayName is { Length: > 0 } shown ? shown : account.Name;
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, account.Name), new Claim(ClaimTypes.Role, account.Role),
            new Claim(NewsroomIdentity.DisplayNameClaim, displayName), new Claim(AccountStamp.ClaimType, AccountStamp.Of(account))], NewsroomSchemes.Cookie);
        await context.SignInAsync(NewsroomSchemes.Cookie, new ClaimsPrincipal(identity));
        await limiter.RecordSignInSuccessAsync(account.Name, ip, clock.GetUtcNow());
        return TypedResults.Ok(new SessionInfo(account.Name, account.Role, displayName));
    }
}

public sealed record SignInRequest(string? Name, string? Password);

/// <summary>Who is signed in: the account's name, its role, and the name shown in bylines and the activity log.</summary>
public sealed record SessionInfo(string Name, string Role, string DisplayName);
