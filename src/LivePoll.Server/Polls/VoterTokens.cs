using System.Globalization;
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

    /// <summary>Earlier values of <see cref="SigningKey"/>: tokens they signed still count, so voters survive a key change.</summary>
    public List<string> PreviousSigningKeys { get; set; } = [];

    /// <summary>How long the voter cookie (and a voter token) lasts, in days; a page load renews it past half its life.</summary>
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
/// Issues and checks signed voter ids. A token is <c>v2.{key id}.{id}.{expiry day}.{signature}</c>: the id is random, the
/// expiry a day number (days since 1970), the signature an HMAC-SHA256 (first 18 bytes) of "key id.id.expiry" with the
/// key the key id names, so a forged, altered or expired token is refused without a lookup. The keys form a ring kept in
/// the store (or the configured <see cref="VoterOptions.SigningKey"/> and <see cref="VoterOptions.PreviousSigningKeys"/>):
/// rotating adds a key that signs from then on, and the older ones still check the tokens they signed, so no voter
/// becomes a new one (and votes again) because of a rotation. Tokens of the first format (<c>v1.{id}.{signature}</c>)
/// are still accepted with the original key.
/// </summary>
public sealed class VoterTokens(IOptions<VoterOptions> options, IConnectionMultiplexer redis, RedisKeys keys, TimeProvider clock)
{
    public const string CookieName = "lp_voter";
    public const string HeaderName = "X-Voter-Token";
    public const string QueryName = "voter";

    // v1.{22 characters of id}.{24 characters of signature}
    private const int IdLength = 22, SignatureLength = 24, TokenLength = 3 + IdLength + 1 + SignatureLength;
    // v2.{4 characters of key id}.{id}.{5 digits of expiry day}.{signature}
    private const int KeyIdLength = 4, DayLength = 5, TokenV2Length = 3 + KeyIdLength + 1 + IdLength + 1 + DayLength + 1 + SignatureLength;
    private static readonly TimeSpan RingRefresh = TimeSpan.FromSeconds(30);

    private byte[]? _key;
    private ThreadLocal<HMACSHA256>? _signers;
    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private volatile KeyRing? _ring;

    /// <summary>Random bytes for voter ids, drawn from the system's CSPRNG a few kilobytes at a time.</summary>
    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_randomUsed;

    /// <summary>A new voter and its token.</summary>
    public async ValueTask<(string VoterId, string Token)> IssueAsync()
    {
        var id = WebEncoders.Base64UrlEncode(NextRandom16());
        return (id, await IssueForAsync(id));
    }

    /// <summary>A fresh token for an existing voter id: signed with the current key, with a new expiry.</summary>
    public async ValueTask<string> IssueForAsync(string voterId)
    {
        var ring = await RingAsync();
        var day = (Today() + options.Value.CookieDays).ToString("D5", CultureInfo.InvariantCulture);
        var body = $"{ring.CurrentId}.{voterId}.{day}";
        return $"v2.{body}.{Sign(ring.Signers[ring.CurrentId].Value!, body)}";
    }

    /// <summary>The voter id inside a valid token, or null when the token is malformed, forged, altered or expired.</summary>
    public async ValueTask<string?> ValidateAsync(string? token) => (await CheckAsync(token)).VoterId;

    /// <summary>The voter a token names, or an invalid voter when the token fails its check.</summary>
    public async ValueTask<Voter> ValidateVoterAsync(string? token)
    {
        var id = await ValidateAsync(token);
        return new Voter(id, Invalid: id is null);
    }

    /// <summary>
    /// The voter id inside a valid token, and whether the token should be replaced (signed with an older key, or more
    /// than half its life gone): a page load then gets a fresh cookie for the same voter.
    /// </summary>
    public async ValueTask<(string? VoterId, bool Stale)> CheckAsync(string? token)
    {
        if (token is { Length: TokenV2Length } && token.StartsWith("v2.", StringComparison.Ordinal))
        {
            return await CheckV2Async(token);
        }
        return (await CheckV1Async(token), true);
    }

    private async ValueTask<(string?, bool)> CheckV2Async(string token)
    {
        var keyId = token.Substring(3, KeyIdLength);
        var bodyLength = KeyIdLength + 1 + IdLength + 1 + DayLength;
        if (token[3 + KeyIdLength] != '.' || token[3 + KeyIdLength + 1 + IdLength] != '.' || token[3 + bodyLength] != '.'
            || !int.TryParse(token.AsSpan(3 + KeyIdLength + 1 + IdLength + 1, DayLength), NumberStyles.None, CultureInfo.InvariantCulture, out var day))
        {
            return (null, false);
        }
        var ring = await RingAsync();
        if (!ring.Signers.ContainsKey(keyId))
        {
            // Another node may have rotated the key moments ago.
            ring = await RingAsync(reload: true);
            if (!ring.Signers.TryGetValue(keyId, out _))
            {
                return (null, false);
            }
        }
        var body = token.Substring(3, bodyLength);
        if (!SameAscii(Sign(ring.Signers[keyId].Value!, body), token.AsSpan(3 + bodyLength + 1)))
        {
            return (null, false);
        }
        var today = Today();
        if (day < today)
        {
            return (null, false);
        }
        var stale = keyId != ring.CurrentId || day - today < options.Value.CookieDays / 2;
        return (token.Substring(3 + KeyIdLength + 1, IdLength), stale);
    }

    private async ValueTask<string?> CheckV1Async(string? token)
    {
        if (token is not { Length: TokenLength } || !token.StartsWith("v1.", StringComparison.Ordinal) || token[3 + IdLength] != '.')
        {
            return null;
        }
        var signers = await SignersAsync();
        var id = token.Substring(3, IdLength);
        return SameAscii(Sign(signers.Value!, id), token.AsSpan(3 + IdLength + 1)) ? id : null;
    }

    /// <summary>
    /// Adds a new signing key to the ring kept in the store and makes it the one that signs; tokens signed with the older
    /// keys stay valid. Returns the new key id, or null when the keys come from configuration (rotate them there).
    /// </summary>
    public async Task<string?> RotateAsync()
    {
        if (!string.IsNullOrWhiteSpace(options.Value.SigningKey))
        {
            return null;
        }
        var db = redis.GetDatabase();
        string keyId;
        do
        {
            keyId = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(3));
        }
        while (!await db.HashSetAsync(keys.VoterKeyRing, keyId, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), When.NotExists));
        await db.StringSetAsync(keys.VoterCurrentKey, keyId);
        await RingAsync(force: true);
        return keyId;
    }

    /// <summary>The key ids in the ring and the one that signs now.</summary>
    public async Task<(string Current, IReadOnlyList<string> All)> DescribeRingAsync()
    {
        var ring = await RingAsync(force: true);
        return (ring.CurrentId, ring.Signers.Keys.Order(StringComparer.Ordinal).ToList());
    }

    private static bool SameAscii(string expected, ReadOnlySpan<char> actual)
    {
        if (actual.Length != SignatureLength)
        {
            return false;
        }
        Span<byte> a = stackalloc byte[SignatureLength];
        Span<byte> b = stackalloc byte[SignatureLength];
        Encoding.ASCII.GetBytes(expected, a);
        Encoding.ASCII.GetBytes(actual, b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    private int Today() => (int)(clock.GetUtcNow().ToUnixTimeSeconds() / 86_400);

    private sealed record KeyRing(string CurrentId, IReadOnlyDictionary<string, ThreadLocal<HMACSHA256>> Signers, DateTimeOffset LoadedAt);

    /// <summary>
    /// The key ring, read from the store at most every 30 s; <paramref name="reload"/> asks for a fresher one (an unknown
    /// key id: at most once per 5 s, so tokens with made-up key ids cannot flood the store), <paramref name="force"/> for
    /// one read now (after a rotation). One read at a time: a burst of first requests waits for the same read.
    /// </summary>
    private async ValueTask<KeyRing> RingAsync(bool reload = false, bool force = false)
    {
        var ring = _ring;
        if (ring is not null && !force && FreshEnough(ring, reload))
        {
            return ring;
        }
        await _ringLock.WaitAsync();
        try
        {
            ring = _ring;
            if (ring is not null && !force && FreshEnough(ring, reload))
            {
                return ring;
            }
            var loaded = await LoadRingAsync(ring);
            _ring = loaded;
            return loaded;
        }
        finally
        {
            _ringLock.Release();
        }
    }

    private bool FreshEnough(KeyRing ring, bool reload) =>
        clock.GetUtcNow() - ring.LoadedAt < (reload ? RingReloadFloor : RingRefresh);

    private static readonly TimeSpan RingReloadFloor = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _ringLock = new(1, 1);

    private async Task<KeyRing> LoadRingAsync(KeyRing? previous)
    {
        Dictionary<string, byte[]> keyBytes;
        string current;
        if (!string.IsNullOrWhiteSpace(options.Value.SigningKey))
        {
            // Configured keys: the first signs, the previous ones still check. A key's id is taken from its hash.
            keyBytes = new[] { options.Value.SigningKey }.Concat(options.Value.PreviousSigningKeys)
                .Where(k => !string.IsNullOrWhiteSpace(k)).Select(Convert.FromBase64String)
                .ToDictionary(ConfiguredKeyId, k => k);
            current = ConfiguredKeyId(Convert.FromBase64String(options.Value.SigningKey));
        }
        else
        {
            var db = redis.GetDatabase();
            if (!await db.KeyExistsAsync(keys.VoterCurrentKey))
            {
                // The first node to ask makes the first key; the rest read the same ring (a node that lost the race
                // takes its key back out).
                var first = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(3));
                await db.HashSetAsync(keys.VoterKeyRing, first, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), When.NotExists);
                if (!await db.StringSetAsync(keys.VoterCurrentKey, first, when: When.NotExists))
                {
                    await db.HashDeleteAsync(keys.VoterKeyRing, first);
                }
            }
            current = (await db.StringGetAsync(keys.VoterCurrentKey)).ToString();
            keyBytes = (await db.HashGetAllAsync(keys.VoterKeyRing)).ToDictionary(e => e.Name.ToString(), e => Convert.FromBase64String(e.Value.ToString()));
            if (!keyBytes.ContainsKey(current))
            {
                current = keyBytes.Keys.Order(StringComparer.Ordinal).First();
            }
        }
        var signers = keyBytes.ToDictionary(k => k.Key,
            k => previous?.Signers.TryGetValue(k.Key, out var kept) == true ? kept : new ThreadLocal<HMACSHA256>(() => new HMACSHA256(k.Value)));
        return new KeyRing(current, signers, clock.GetUtcNow());
    }

    private static string ConfiguredKeyId(byte[] key) => WebEncoders.Base64UrlEncode(SHA256.HashData(key)[..3]);

    /// <summary>
    /// The Set-Cookie header that gives a browser its voter token, HttpOnly, for <see cref="VoterOptions.CookieDays"/>: over
    /// HTTPS Secure and SameSite=None, so the same voter is known inside an embed on a partner's page where the browser
    /// allows third-party cookies (the embed also keeps the token itself for when it does not); over plain HTTP SameSite=Lax
    /// (None needs Secure). Written by hand (the token is base64url and dots, safe as a cookie value) because a new
    /// reader's every first request pays for it.
    /// </summary>
    public string SetCookieHeader(HttpRequest request, string token) =>
        $"{CookieName}={token}; max-age={options.Value.CookieDays * 86_400}; path=/;{(request.IsHttps ? " secure; samesite=none" : " samesite=lax")}; httponly";

    private static string Sign(HMACSHA256 signer, string text)
    {
        Span<byte> data = stackalloc byte[64];
        Span<byte> mac = stackalloc byte[32];
        var length = Encoding.ASCII.GetBytes(text, data);
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

    /// <summary>The key that signs proof-of-work challenges, the same on every node and across key rotations.</summary>
    public async ValueTask<byte[]> ChallengeKeyAsync() =>
        _challengeKey ??= HMACSHA256.HashData(await DerivationKeyAsync(), "livepoll voter challenge"u8);

    private byte[]? _challengeKey;

    /// <summary>
    /// The key that hashes client networks in audit records (and so names a network in a poll's per-network count and
    /// integrity view), the same on every node and across key rotations.
    /// </summary>
    public async ValueTask<byte[]> AuditKeyAsync() =>
        _auditKey ??= HMACSHA256.HashData(await DerivationKeyAsync(), "livepoll vote audit network"u8);

    private byte[]? _auditKey;

    /// <summary>
    /// What the challenge and audit keys are derived from: kept in the store and never rotated, so rotating the voter
    /// key (the ring's, or <see cref="VoterOptions.SigningKey"/> in configuration) leaves every network's audit hash as
    /// it was: a running poll's per-network cap and integrity view carry on. Set once by the first node to ask, from
    /// the key they were derived from before it was kept (the configured key, or the store's first key), so a store
    /// written by an earlier version keeps its hashes too.
    /// </summary>
    private async ValueTask<byte[]> DerivationKeyAsync()
    {
        if (_derivationKey is not null)
        {
            return _derivationKey;
        }
        var db = redis.GetDatabase();
        var stored = await db.StringGetAsync(keys.VoterDerivationKey);
        if (stored.IsNull)
        {
            await db.StringSetAsync(keys.VoterDerivationKey, Convert.ToBase64String(await KeyAsync()), when: When.NotExists);
            stored = await db.StringGetAsync(keys.VoterDerivationKey);
        }
        return _derivationKey = Convert.FromBase64String(stored.ToString());
    }

    private byte[]? _derivationKey;

    /// <summary>The key of the first token format (v1), which checks those tokens: the configured key, or the store's first key.</summary>
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
