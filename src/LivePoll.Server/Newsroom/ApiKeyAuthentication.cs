using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Newsroom;

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
            [new Claim(ClaimTypes.Name, configured.Name), new Claim(ClaimTypes.Role, configured.Role),
                new Claim(NewsroomIdentity.DisplayNameClaim, configured.DisplayName is { Length: > 0 } shown ? shown : configured.Name)], SchemeName);
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
