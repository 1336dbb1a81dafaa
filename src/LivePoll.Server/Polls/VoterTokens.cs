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

    /// <summary>
    /// The proof of work for a new voter: the challenge's number is drawn from 0 to this, so a client tries half of it on
    /// average (50,000: about a second in a phone's browser, a few hundred milliseconds on a desktop). 0 turns the
    /// challenge off (a closed test rig): every request without a voter then gets a new one, as before.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 100_000_000)]
    public int ChallengeMaxNumber { get; set; } = 50_000;

    /// <summary>How long a challenge may be solved and presented, in seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(10, 86_400)]
    public int ChallengeLifetimeSeconds { get; set; } = 600;
}

/// <summary>
/// Issues and checks signed voter ids. A token is <c>v1.{id}.{signature}</c>: the id is random, the signature
/// an HMAC-SHA256 of it (first 18 bytes), so a forged or altered token is refused without any lookup.
/// </summary>
public sealed class VoterTokens(IOptions<VoterOptions> options, IConnectionMultiplexer redis, RedisKeys keys)
{
    public const string CookieName = "lp_voter";
    public const string HeaderName = "X-Voter-Token";
    public const string QueryName = "voter";

    // v1.{22 characters of id}.{24 characters of signature}
    private const int IdLength = 22, SignatureLength = 24, TokenLength = 3 + IdLength + 1 + SignatureLength;

    private byte[]? _key;
    private ThreadLocal<HMACSHA256>? _signers;
    private readonly SemaphoreSlim _keyLock = new(1, 1);

    /// <summary>Random bytes for voter ids, drawn from the system's CSPRNG a few kilobytes at a time.</summary>
    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_randomUsed;

    /// <summary>A new voter and its token.</summary>
    public async ValueTask<(string VoterId, string Token)> IssueAsync()
    {
        var signers = await SignersAsync();
        var id = WebEncoders.Base64UrlEncode(NextRandom16());
        return (id, $"v1.{id}.{Sign(signers.Value!, id)}");
    }

    /// <summary>The voter id inside a valid token, or null when the token is malformed, forged or altered.</summary>
    public async ValueTask<string?> ValidateAsync(string? token)
    {
        if (token is not { Length: TokenLength } || !token.StartsWith("v1.", StringComparison.Ordinal) || token[3 + IdLength] != '.')
        {
            return null;
        }
        var signers = await SignersAsync();
        var id = token.Substring(3, IdLength);
        Span<byte> expected = stackalloc byte[SignatureLength];
        Span<byte> actual = stackalloc byte[SignatureLength];
        Encoding.ASCII.GetBytes(Sign(signers.Value!, id), expected);
        if (Encoding.ASCII.GetBytes(token.AsSpan(3 + IdLength + 1), actual) != SignatureLength)
        {
            return null;
        }
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? id : null;
    }

    /// <summary>The voter a token names, or an invalid voter when the token fails its check.</summary>
    public async ValueTask<Voter> ValidateVoterAsync(string? token)
    {
        var id = await ValidateAsync(token);
        return new Voter(id, Invalid: id is null);
    }

    /// <summary>
    /// The Set-Cookie header that gives a browser its voter token: HttpOnly, SameSite=Lax, Secure over HTTPS, for
    /// <see cref="VoterOptions.CookieDays"/>. Written by hand (the token is base64url and dots, safe as a cookie value)
    /// because a new reader's every first request pays for it.
    /// </summary>
    public string SetCookieHeader(HttpRequest request, string token) =>
        $"{CookieName}={token}; max-age={options.Value.CookieDays * 86_400}; path=/;{(request.IsHttps ? " secure;" : "")} samesite=lax; httponly";

    private static string Sign(HMACSHA256 signer, string id)
    {
        Span<byte> data = stackalloc byte[IdLength];
        Span<byte> mac = stackalloc byte[32];
        var length = Encoding.ASCII.GetBytes(id, data);
        signer.TryComputeHash(data[..length], mac, out _);
        return WebEncoders.Base64UrlEncode(mac[..18]);
    }

    private static byte[] NextRandom16()
    {
        var pool = t_random ??= new byte[4096];
        if (t_randomUsed == 0 || t_randomUsed + 16 > pool.Length)
        {
            RandomNumberGenerator.Fill(pool);
            t_randomUsed = 0;
        }
        var bytes = pool.AsSpan(t_randomUsed, 16).ToArray();
        // Never hand out the same bytes twice.
        pool.AsSpan(t_randomUsed, 16).Clear();
        t_randomUsed += 16;
        return bytes;
    }

    // One HMAC instance per thread (they are not thread-safe), keyed once: far cheaper than a one-shot HMAC per token.
    private async ValueTask<ThreadLocal<HMACSHA256>> SignersAsync()
    {
        if (_signers is { } signers)
        {
            return signers;
        }
        var key = await KeyAsync();
        Interlocked.CompareExchange(ref _signers, new ThreadLocal<HMACSHA256>(() => new HMACSHA256(key)), null);
        return _signers;
    }

    /// <summary>The key that signs proof-of-work challenges: derived from the voter key, so it is the same on every node.</summary>
    public async ValueTask<byte[]> ChallengeKeyAsync() =>
        _challengeKey ??= HMACSHA256.HashData(await KeyAsync(), "livepoll voter challenge"u8);

    private byte[]? _challengeKey;

    /// <summary>The key that hashes client networks in audit records: derived from the voter key, the same on every node.</summary>
    public async ValueTask<byte[]> AuditKeyAsync() =>
        _auditKey ??= HMACSHA256.HashData(await KeyAsync(), "livepoll vote audit network"u8);

    private byte[]? _auditKey;

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
