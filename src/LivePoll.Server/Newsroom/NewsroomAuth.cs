using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Newsroom;

/// <summary>The newsroom's roles: <c>editor</c> changes things, <c>screen</c> only watches (tips included).</summary>
public static class NewsroomRoles
{
    public const string Editor = "editor";
    public const string Screen = "screen";
}

/// <summary>Authorization policies of newsroom endpoints and hub methods.</summary>
public static class NewsroomPolicies
{
    /// <summary>Any newsroom account: editor or screen.</summary>
    public const string Read = "newsroom.read";

    /// <summary>Editors only.</summary>
    public const string Edit = "newsroom.edit";
}

/// <summary>A newsroom API key (for automation such as a CMS, and for wall screens): only its hash is configured.</summary>
public sealed class NewsroomApiKey
{
    public string Name { get; set; } = "";

    /// <summary><c>editor</c> or <c>screen</c>.</summary>
    public string Role { get; set; } = NewsroomRoles.Editor;

    /// <summary>SHA-256 of the key, hex; <c>--hash-key KEY</c> prints it.</summary>
    public string KeyHash { get; set; } = "";

    /// <summary>Clients with this key skip the vote, tip and connection limits (a load tool); everyone else keeps them.</summary>
    public bool ExemptFromLimits { get; set; }
}

/// <summary>
/// Authenticates newsroom clients by API key: <c>Authorization: Bearer KEY</c>, or <c>?access_token=KEY</c> on the
/// hub URL (browsers cannot set headers on WebSockets; the SignalR clients' accessTokenFactory does this).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptionsMonitor<NewsroomOptions> newsroom) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "NewsroomApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = header["Bearer ".Length..].Trim();
        }
        else if (Request.Path.StartsWithSegments(Contracts.HubPaths.Live))
        {
            key = Request.Query["access_token"];
        }
        if (string.IsNullOrEmpty(key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var hash = Convert.FromHexString(HashKey(key));
        foreach (var configured in newsroom.CurrentValue.ApiKeys)
        {
            if (configured.KeyHash.Length == 64 && CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(configured.KeyHash)))
            {
                var identity = new ClaimsIdentity(
                    [new Claim(ClaimTypes.Name, configured.Name), new Claim(ClaimTypes.Role, configured.Role)], SchemeName);
                if (configured.ExemptFromLimits)
                {
                    identity.AddClaim(new Claim(Abuse.AbuseLimiter.ExemptClaim, "true"));
                }
                return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
            }
        }
        return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
    }

    /// <summary>The hash to configure for an API key: SHA-256, hex.</summary>
    public static string HashKey(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A new random API key.</summary>
    public static string NewKey() => "lpk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// In Development with no API key configured, an editor key made at start-up and printed once in the log, so
/// a newcomer can use the newsroom at once. Production refuses to start without configured keys.
/// </summary>
public sealed class FirstRunKey
{
    public string Key { get; } = ApiKeyAuthenticationHandler.NewKey();

    public bool Used { get; set; }
}

internal sealed class FirstRunKeyAnnouncer(FirstRunKey firstRun, IOptions<NewsroomOptions> options, ILogger<FirstRunKeyAnnouncer> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.ApiKeys.Count > 0 && firstRun.Used)
        {
            NewsroomLog.FirstRunKey(logger, firstRun.Key);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class NewsroomLog
{
    [LoggerMessage(4001, LogLevel.Warning, "No newsroom API key is configured, so this Development server made a first-run editor key: {Key} "
        + "(send it as 'Authorization: Bearer <key>'). It is shown once and lasts until the server stops; configure Newsroom:ApiKeys to keep one.")]
    public static partial void FirstRunKey(ILogger logger, string key);
}

internal static class NewsroomAuthExtensions
{
    public static IServiceCollection AddNewsroomAuth(this IServiceCollection services)
    {
        services.AddSingleton<FirstRunKey>();
        services.AddOptions<NewsroomOptions>()
            .PostConfigure<IHostEnvironment, FirstRunKey>((o, environment, firstRun) =>
            {
                if (o.ApiKeys.Count == 0 && environment.IsDevelopment())
                {
                    firstRun.Used = true;
                    o.ApiKeys.Add(new NewsroomApiKey { Name = "first-run editor", Role = NewsroomRoles.Editor, KeyHash = ApiKeyAuthenticationHandler.HashKey(firstRun.Key) });
                }
            })
            .Validate(o => o.ApiKeys.Count > 0,
                "No newsroom API key is configured (Newsroom:ApiKeys). Outside Development LivePoll will not start without one: "
                + "make a key with 'dotnet run --project src/LivePoll.Server -- --new-key' and configure its hash, name and role.")
            .Validate(o => o.ApiKeys.All(k => k.KeyHash.Length == 64 && k.KeyHash.All(Uri.IsHexDigit)),
                "Each Newsroom:ApiKeys entry needs KeyHash: the 64 hex digits that --hash-key prints.")
            .Validate(o => o.ApiKeys.All(k => k.Role is NewsroomRoles.Editor or NewsroomRoles.Screen),
                "Each Newsroom:ApiKeys entry needs Role 'editor' or 'screen'.");
        services.AddHostedService<FirstRunKeyAnnouncer>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(NewsroomPolicies.Read, p => p.RequireRole(NewsroomRoles.Editor, NewsroomRoles.Screen))
            .AddPolicy(NewsroomPolicies.Edit, p => p.RequireRole(NewsroomRoles.Editor));
        return services;
    }

    /// <summary>Marks a newsroom endpoint as editors only (the group already requires a newsroom account).</summary>
    public static TBuilder EditorsOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(NewsroomPolicies.Edit);
}
