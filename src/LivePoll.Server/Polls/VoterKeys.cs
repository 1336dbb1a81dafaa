using System.Security.Cryptography;
using LivePoll.Server.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Polls;

/// <summary>
/// The keys behind anonymous voters, the same on every node of a store: the ring of keys that sign voter tokens (kept in
/// the store, or the configured <see cref="VoterOptions.SigningKey"/> and <see cref="VoterOptions.PreviousSigningKeys"/>),
/// the key of the first token format, and the keys derived for challenges and audit records, which never rotate.
/// </summary>
public sealed class VoterKeys(IOptions<VoterOptions> options, IConnectionMultiplexer redis, RedisKeys keys, TimeProvider clock)
{
    private static readonly TimeSpan RingRefresh = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RingReloadFloor = TimeSpan.FromSeconds(5);

    private volatile Ring? _ring;
    private readonly SemaphoreSlim _ringLock = new(1, 1);
    private byte[]? _firstKey;
    private readonly SemaphoreSlim _firstKeyLock = new(1, 1);
    private ThreadLocal<HMACSHA256>? _firstSigners;
    private byte[]? _derivationKey;
    private byte[]? _challengeKey;
    private byte[]? _auditKey;
    private byte[]? _receiptKey;

    /// <summary>
    /// The keys that check tokens, by key id, and the one that signs new tokens. One HMAC instance per thread and key
    /// (they are not thread-safe), keyed once: far cheaper than a one-shot HMAC per token.
    /// </summary>
    public sealed record Ring(string CurrentId, IReadOnlyDictionary<string, ThreadLocal<HMACSHA256>> Signers, DateTimeOffset LoadedAt);

    /// <summary>
    /// The key ring, read from the store at most every 30 s; <paramref name="reload"/> asks for a fresher one (an unknown
    /// key id: at most once per 5 s, so tokens with made-up key ids cannot flood the store), <paramref name="force"/> for
    /// one read now (after a rotation). One read at a time: a burst of first requests waits for the same read.
    /// </summary>
    public async ValueTask<Ring> RingAsync(bool reload = false, bool force = false)
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

    /// <summary>Signers with the key of the first token format (v1): the configured key, or the store's first key.</summary>
    public async ValueTask<ThreadLocal<HMACSHA256>> FirstFormatSignersAsync()
    {
        if (_firstSigners is { } signers)
        {
            return signers;
        }
        var key = await FirstKeyAsync();
        Interlocked.CompareExchange(ref _firstSigners, new ThreadLocal<HMACSHA256>(() => new HMACSHA256(key)), null);
        return _firstSigners;
    }

    /// <summary>The key that signs proof-of-work challenges, the same on every node and across key rotations.</summary>
    public async ValueTask<byte[]> ChallengeKeyAsync() =>
        _challengeKey ??= HMACSHA256.HashData(await DerivationKeyAsync(), "livepoll voter challenge"u8);

    /// <summary>
    /// The key that hashes client networks in audit records (and so names a network in a poll's per-network count and
    /// integrity view), the same on every node and across key rotations.
    /// </summary>
    public async ValueTask<byte[]> AuditKeyAsync() =>
        _auditKey ??= HMACSHA256.HashData(await DerivationKeyAsync(), "livepoll vote audit network"u8);

    /// <summary>The key of vote receipts (<see cref="VoteReceipts"/>), the same on every node and across key rotations.</summary>
    public async ValueTask<byte[]> ReceiptKeyAsync() =>
        _receiptKey ??= HMACSHA256.HashData(await DerivationKeyAsync(), "livepoll vote receipt"u8);

    private bool FreshEnough(Ring ring, bool reload) =>
        clock.GetUtcNow() - ring.LoadedAt < (reload ? RingReloadFloor : RingRefresh);

    private async Task<Ring> LoadRingAsync(Ring? previous)
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
        return new Ring(current, signers, clock.GetUtcNow());
    }

    private static string ConfiguredKeyId(byte[] key) => WebEncoders.Base64UrlEncode(SHA256.HashData(key)[..3]);

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
            await db.StringSetAsync(keys.VoterDerivationKey, Convert.ToBase64String(await FirstKeyAsync()), when: When.NotExists);
            stored = await db.StringGetAsync(keys.VoterDerivationKey);
        }
        return _derivationKey = Convert.FromBase64String(stored.ToString());
    }

    /// <summary>The key of the first token format (v1): the configured key, or the store's first key.</summary>
    private async ValueTask<byte[]> FirstKeyAsync()
    {
        if (_firstKey is not null)
        {
            return _firstKey;
        }
        await _firstKeyLock.WaitAsync();
        try
        {
            if (_firstKey is not null)
            {
                return _firstKey;
            }
            if (!string.IsNullOrWhiteSpace(options.Value.SigningKey))
            {
                _firstKey = Convert.FromBase64String(options.Value.SigningKey);
            }
            else
            {
                // The first node to ask makes the key; the rest read the same one.
                var db = redis.GetDatabase();
                await db.StringSetAsync(keys.VoterSigningKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), when: When.NotExists);
                _firstKey = Convert.FromBase64String((await db.StringGetAsync(keys.VoterSigningKey)).ToString());
            }
            return _firstKey;
        }
        finally
        {
            _firstKeyLock.Release();
        }
    }
}
