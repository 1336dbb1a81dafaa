using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Newsroom;

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
            .Validate(o => o.Accounts.All(a => a.Name.Length > 0 && a.PasswordHash.Length > 0 && NewsroomRoles.IsValid(a.Role)),
                "Each Newsroom:Accounts entry needs Name, Role ('editor', 'contributor' or 'screen') and PasswordHash (from --hash-password).")
            .Validate(o => o.Accounts.Select(a => a.DisplayName).Concat(o.ApiKeys.Select(k => k.DisplayName)).All(shown => shown is null || shown.Length <= 100),
                "A Newsroom:Accounts or Newsroom:ApiKeys DisplayName is at most 100 characters.")
            .Validate(o => o.Accounts.All(a => Security.InputText.IsClean(a.Name) && Security.InputText.IsClean(a.DisplayName ?? ""))
                    && o.ApiKeys.All(k => Security.InputText.IsClean(k.Name) && Security.InputText.IsClean(k.DisplayName ?? "")),
                "Newsroom:Accounts and Newsroom:ApiKeys names may not hold control characters (they are shown in the activity log and its CSV).")
            .Validate(o => o.ApiKeys.All(k => k.KeyHash.Length == 64 && k.KeyHash.All(Uri.IsHexDigit)),
                "Each Newsroom:ApiKeys entry needs KeyHash: the 64 hex digits that --hash-key prints.")
            .Validate(o => o.ApiKeys.All(k => NewsroomRoles.IsValid(k.Role)),
                "Each Newsroom:ApiKeys entry needs Role 'editor', 'contributor' or 'screen'.");
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
            .AddPolicy(NewsroomPolicies.Read, p => p.RequireRole(NewsroomRoles.All))
            .AddPolicy(NewsroomPolicies.Write, p => p.RequireRole(NewsroomRoles.Editor, NewsroomRoles.Contributor))
            .AddPolicy(NewsroomPolicies.Edit, p => p.RequireRole(NewsroomRoles.Editor));
        return services;
    }

    private static bool HasApiKey(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || (request.Path.StartsWithSegments(Contracts.HubPaths.Live) && request.Query.ContainsKey("access_token"));

    /// <summary>Marks a newsroom endpoint as editors only (the group already requires a newsroom account).</summary>
    public static TBuilder EditorsOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(NewsroomPolicies.Edit);

    /// <summary>Marks a newsroom endpoint as for those who write: contributors and editors (what a contributor may touch is the endpoint's to check).</summary>
    public static TBuilder WritersOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(NewsroomPolicies.Write);
}
