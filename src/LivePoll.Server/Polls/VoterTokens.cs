using System.Security.Cryptography;
using System.Text;
using LivePoll.Server.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Polls;

/// <summary>Settings of anonymous voters (section <c>Voters</c>).</summary>
public sealed class VoterOptions
{
    public const string Section = "Voters";

    /// <summary>
    /// Base64 key (at least 32 bytes) that signs voter ids. Empty: a random key is made once and kept in the
    /// store, so every node on that store accepts the same voters.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>How long the voter cookie lasts in a browser, in days.</summary>
    public int CookieDays { get; set; } = 365;
}

/// <summary>
/// Issues and checks signed voter ids. A token is <c>v1.{id}.{signature}</c>: the id is random, the signature
/// an HMAC-SHA256 of it, so a forged or altered token is refused without any lookup.
/// </summary>
public sealed class VoterTokens(IOptions<VoterOptions> options, IConnectionMultiplexer redis, RedisKeys keys)
{
    public const string CookieName = "lp_voter";
    public const string HeaderName = "X-Voter-Token";
    public const string QueryName = "voter";

    private byte[]? _key;
    private readonly SemaphoreSlim _keyLock = new(1, 1);

    /// <summary>A new voter and its token.</summary>
    public async Task<(string VoterId, string Token)> IssueAsync()
    {
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
        return (id, $"v1.{id}.{Sign(await KeyAsync(), id)}");
    }

    /// <summary>The voter id inside a valid token, or null when the token is malformed, forged or altered.</summary>
    public async Task<string?> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return null;
        }
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != "v1" || parts[1].Length != 22)
        {
            return null;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(await KeyAsync(), parts[1]));
        var actual = Encoding.ASCII.GetBytes(parts[2]);
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? parts[1] : null;
    }

    /// <summary>The voter a token names, or an invalid voter when the token fails its check.</summary>
    public async Task<Voter> ValidateVoterAsync(string? token)
    {
        var id = await ValidateAsync(token);
        return new Voter(id, Invalid: id is null);
    }

    public CookieOptions CookieOptions(HttpRequest request) => new()
    {
        HttpOnly = true,
        Secure = request.IsHttps,
        SameSite = SameSiteMode.Lax,
        IsEssential = true,
        MaxAge = TimeSpan.FromDays(options.Value.CookieDays),
        Path = "/",
    };

    private static string Sign(byte[] key, string id) =>
        WebEncoders.Base64UrlEncode(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(id)).AsSpan(0, 18));

    private async ValueTask<byte[]> KeyAsync()
    {
        if (_key is not null)
        {
            return _key;
        }
        await _keyLock.WaitAsync();
        try
        {
            if (_key is not null)
            {
                return _key;
            }
            if (!string.IsNullOrWhiteSpace(options.Value.SigningKey))
            {
                _key = Convert.FromBase64String(options.Value.SigningKey);
            }
            else
            {
                // The first node to ask makes the key; the rest read the same one.
                var db = redis.GetDatabase();
                await db.StringSetAsync(keys.VoterSigningKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), when: When.NotExists);
                _key = Convert.FromBase64String((await db.StringGetAsync(keys.VoterSigningKey)).ToString());
            }
            return _key;
        }
        finally
        {
            _keyLock.Release();
        }
    }
}
