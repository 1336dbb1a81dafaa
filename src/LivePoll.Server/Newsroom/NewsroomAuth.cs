using System.Collections.Concurrent;
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

/// <summary>The authentication schemes of the newsroom.</summary>
public static class NewsroomSchemes
{
    /// <summary>
    /// The default scheme: the API key handler, which hands requests that carry only the sign-in cookie on to
    /// <see cref="Cookie"/>. A request with a key costs one handler, a reader's request (no credentials) one
    /// handler that finds nothing.
    /// </summary>
    public const string Newsroom = ApiKeyAuthenticationHandler.SchemeName;

    public const string Cookie = "NewsroomCookie";

    /// <summary>The sign-in cookie of newsroom accounts (large tickets are chunked, but this one is always there).</summary>
    public const string CookieName = "lp_newsroom";
}

/// <summary>Password hashing for newsroom accounts: ASP.NET Core Identity's salted PBKDF2.</summary>
public static class Passwords
{
    private static readonly Microsoft.AspNetCore.Identity.PasswordHasher<NewsroomAccount> Hasher = new();

    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    public static bool Verify(NewsroomAccount account, string password) =>
        Hasher.VerifyHashedPassword(account, account.PasswordHash, password) != Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed;
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
    ApiKeyDirectory directory) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
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

        return Task.FromResult(directory.Find(key) is { } principal
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName))
            : AuthenticateResult.Fail("The API key is not valid."));
    }

    /// <summary>Who a configured key is: its name, role, and the exemption claim where it has one.</summary>
    internal static ClaimsPrincipal PrincipalOf(NewsroomApiKey configured)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, configured.Name), new Claim(ClaimTypes.Role, configured.Role)], SchemeName);
        if (configured.ExemptFromLimits)
        {
            identity.AddClaim(new Claim(Abuse.AbuseLimiter.ExemptClaim, "true"));
        }
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The hash to configure for an API key: SHA-256, hex.</summary>
    public static string HashKey(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A new random API key.</summary>
    public static string NewKey() => "lpk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The configured API keys, found by the SHA-256 of a presented key (compared in fixed time). A key that matched
/// is remembered with its principal, so a busy client such as a load tool costs a dictionary lookup per request,
/// not a hash per configured key and a new set of claims; the memory forgets when the configuration changes.
/// The principal is shared by that key's requests and never changed (LivePoll adds no claims transformation).
/// </summary>
public sealed class ApiKeyDirectory
{
    private const int MaxRemembered = 1_000;

    private readonly IOptionsMonitor<NewsroomOptions> _newsroom;
    private readonly ConcurrentDictionary<string, ClaimsPrincipal> _matched = new(StringComparer.Ordinal);

    public ApiKeyDirectory(IOptionsMonitor<NewsroomOptions> newsroom)
    {
        _newsroom = newsroom;
        newsroom.OnChange(_ => _matched.Clear());
    }

    /// <summary>Who <paramref name="key"/> is, or null when it is not a configured key.</summary>
    public ClaimsPrincipal? Find(string key)
    {
        if (_matched.TryGetValue(key, out var known))
        {
            return known;
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        Span<byte> configuredHash = stackalloc byte[32];
        foreach (var configured in _newsroom.CurrentValue.ApiKeys)
        {
            if (configured.KeyHash.Length == 64
                && Convert.FromHexString(configured.KeyHash, configuredHash, out _, out _) == System.Buffers.OperationStatus.Done
                && CryptographicOperations.FixedTimeEquals(hash, configuredHash))
            {
                var principal = ApiKeyAuthenticationHandler.PrincipalOf(configured);
                if (_matched.Count < MaxRemembered)
                {
                    _matched[key] = principal;
                }
                return principal;
            }
        }
        return null;
    }
}

/// <summary>
/// In Development with no API key configured, an editor key made at start-up and printed once in the log, so
/// a newcomer can use the newsroom at once. Production refuses to start without configured keys.
/// </summary>
public sealed class FirstRunKey
{
    public const string AccountName = "editor";

    public string Key { get; } = ApiKeyAuthenticationHandler.NewKey();

    public string Password { get; } = ApiKeyAuthenticationHandler.NewKey()[4..20];

    public bool Used { get; set; }
}

internal sealed class FirstRunKeyAnnouncer(FirstRunKey firstRun, IOptions<NewsroomOptions> options, ILogger<FirstRunKeyAnnouncer> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Reading the options runs the PostConfigure that makes the first-run editor.
        if (options.Value.Accounts.Count > 0 && firstRun.Used)
        {
            NewsroomLog.FirstRunKey(logger, FirstRunKey.AccountName, firstRun.Password, firstRun.Key);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class NewsroomLog
{
    [LoggerMessage(4001, LogLevel.Warning, "No newsroom account or API key is configured, so this Development server made a first-run editor: "
        + "sign in as '{Account}' with password '{Password}', or send 'Authorization: Bearer {Key}'. Shown once, valid until the server stops; "
        + "configure Newsroom:Accounts and Newsroom:ApiKeys to keep them.")]
    public static partial void FirstRunKey(ILogger logger, string account, string password, string key);
}

internal static class NewsroomAuthExtensions
{
    public static IServiceCollection AddNewsroomAuth(this IServiceCollection services)
    {
        services.AddSingleton<FirstRunKey>();
        services.AddSingleton<ApiKeyDirectory>();
        services.AddOptions<NewsroomOptions>()
            .PostConfigure<IHostEnvironment, FirstRunKey>((o, environment, firstRun) =>
            {
                if (o.ApiKeys.Count == 0 && o.Accounts.Count == 0 && environment.IsDevelopment())
                {
                    firstRun.Used = true;
                    o.ApiKeys.Add(new NewsroomApiKey { Name = "first-run editor", Role = NewsroomRoles.Editor, KeyHash = ApiKeyAuthenticationHandler.HashKey(firstRun.Key) });
                    o.Accounts.Add(new NewsroomAccount { Name = FirstRunKey.AccountName, Role = NewsroomRoles.Editor, PasswordHash = Passwords.Hash(firstRun.Password) });
                }
            })
            .Validate(o => o.ApiKeys.Count > 0 || o.Accounts.Count > 0,
                "No newsroom account or API key is configured (Newsroom:Accounts, Newsroom:ApiKeys). Outside Development LivePoll will not "
                + "start without one: make a password hash with '--hash-password PASSWORD' or a key with '--new-key' and configure it with a name and role.")
            .Validate(o => o.Accounts.All(a => a.Name.Length > 0 && a.PasswordHash.Length > 0 && a.Role is NewsroomRoles.Editor or NewsroomRoles.Screen),
                "Each Newsroom:Accounts entry needs Name, Role ('editor' or 'screen') and PasswordHash (from --hash-password).")
            .Validate(o => o.Accounts.All(a => Security.InputText.IsClean(a.Name)) && o.ApiKeys.All(k => Security.InputText.IsClean(k.Name)),
                "Newsroom:Accounts and Newsroom:ApiKeys names may not hold control characters (they are shown in the activity log and its CSV).")
            .Validate(o => o.ApiKeys.All(k => k.KeyHash.Length == 64 && k.KeyHash.All(Uri.IsHexDigit)),
                "Each Newsroom:ApiKeys entry needs KeyHash: the 64 hex digits that --hash-key prints.")
            .Validate(o => o.ApiKeys.All(k => k.Role is NewsroomRoles.Editor or NewsroomRoles.Screen),
                "Each Newsroom:ApiKeys entry needs Role 'editor' or 'screen'.");
        services.AddHostedService<FirstRunKeyAnnouncer>();
        services.AddSingleton<StoreTicketStore>();
        services.AddSingleton<ActivityLog>();
        services.AddSingleton<ActivityFilter>();
        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(NewsroomSchemes.Cookie)
            .Configure<StoreTicketStore>((o, sessions) => o.SessionStore = sessions);

        // API keys for automation, a cookie for browsers; a request with a key is judged by the key.
        services.AddAuthentication(NewsroomSchemes.Newsroom)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, o => o.ForwardDefaultSelector = context =>
                !HasApiKey(context.Request) && context.Request.Cookies.ContainsKey(NewsroomSchemes.CookieName) ? NewsroomSchemes.Cookie : null)
            .AddCookie(NewsroomSchemes.Cookie, o =>
            {
                o.Cookie.Name = NewsroomSchemes.CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                // Sessions live in the store (StoreTicketStore): sign-out ends them everywhere; a changed or removed
                // account ends them on its next request.
                o.Events.OnValidatePrincipal = AccountStamp.ValidateAsync;
                // An API answers 401 and 403; it does not redirect to a sign-in page.
                o.Events.OnRedirectToLogin = c => { c.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = c => { c.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(NewsroomPolicies.Read, p => p.RequireRole(NewsroomRoles.Editor, NewsroomRoles.Screen))
            .AddPolicy(NewsroomPolicies.Edit, p => p.RequireRole(NewsroomRoles.Editor));
        return services;
    }

    private static bool HasApiKey(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || (request.Path.StartsWithSegments(Contracts.HubPaths.Live) && request.Query.ContainsKey("access_token"));

    /// <summary>Marks a newsroom endpoint as editors only (the group already requires a newsroom account).</summary>
    public static TBuilder EditorsOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(NewsroomPolicies.Edit);
}
