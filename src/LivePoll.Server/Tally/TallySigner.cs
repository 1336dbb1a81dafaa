using System.Security.Cryptography;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using StackExchange.Redis;

namespace LivePoll.Server.Tally;

/// <summary>
/// Signs tree heads with ECDSA P-256 keys kept in the store (<see cref="RedisKeys.TallyKeyRing"/>), so every node signs
/// with the same key and a restart keeps it. The first node to need a key makes it. Public keys are published with
/// their ids; a key id is the first 8 bytes, hex, of the SHA-256 of its SubjectPublicKeyInfo.
/// </summary>
public sealed class TallySigner(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider clock)
{
    private sealed record StoredKey(string Pkcs8, DateTimeOffset Created);

    private sealed record Ring(string CurrentId, IReadOnlyDictionary<string, (ECDsa Key, DateTimeOffset Created)> Keys);

    private Ring? _ring;

    public async Task<TallyHead> SignAsync(TallyHead head)
    {
        var ring = await RingAsync();
        var (key, _) = ring.Keys[ring.CurrentId];
        var unsigned = head with { KeyId = ring.CurrentId, Signature = "" };
        var signature = key.SignData(TallyHeads.SignedBytes(unsigned), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return unsigned with { Signature = Convert.ToBase64String(signature) };
    }

    public async Task<IReadOnlyList<TallyKey>> PublicKeysAsync() =>
        (await RingAsync()).Keys.Select(k => new TallyKey
        {
            KeyId = k.Key,
            Algorithm = "ES256",
            Spki = Convert.ToBase64String(k.Value.Key.ExportSubjectPublicKeyInfo()),
            Created = k.Value.Created,
        }).OrderBy(k => k.Created).ToList();

    public static string KeyIdOf(byte[] spki) => Convert.ToHexStringLower(SHA256.HashData(spki)[..8]);

    private async Task<Ring> RingAsync()
    {
        if (_ring is { } ring)
        {
            return ring;
        }
        var db = redis.GetDatabase();
        if (!await db.KeyExistsAsync(keys.TallyCurrentKey))
        {
            // The first node to ask makes the first key; one that lost the race takes its key back out.
            using var made = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var id = KeyIdOf(made.ExportSubjectPublicKeyInfo());
            var stored = JsonSerializer.Serialize(new StoredKey(Convert.ToBase64String(made.ExportPkcs8PrivateKey()), clock.GetUtcNow()));
            await db.HashSetAsync(keys.TallyKeyRing, id, stored, When.NotExists);
            if (!await db.StringSetAsync(keys.TallyCurrentKey, id, when: When.NotExists))
            {
                await db.HashDeleteAsync(keys.TallyKeyRing, id);
            }
        }
        var current = (await db.StringGetAsync(keys.TallyCurrentKey)).ToString();
        var loaded = new Dictionary<string, (ECDsa, DateTimeOffset)>(StringComparer.Ordinal);
        foreach (var entry in await db.HashGetAllAsync(keys.TallyKeyRing))
        {
            var stored = JsonSerializer.Deserialize<StoredKey>(entry.Value.ToString())!;
            var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(stored.Pkcs8), out _);
            loaded[entry.Name.ToString()] = (key, stored.Created);
        }
        if (!loaded.ContainsKey(current))
        {
            throw new InvalidOperationException($"The tally signing key {current} named by {keys.TallyCurrentKey} is not in {keys.TallyKeyRing}.");
        }
        return _ring = new Ring(current, loaded);
    }
}
