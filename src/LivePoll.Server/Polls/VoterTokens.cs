using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Polls;

/// <summary>
/// Issues and checks signed voter ids. A token is <c>v2.{key id}.{id}.{expiry day}.{signature}</c>: the id is random, the
/// expiry a day number (days since 1970), the signature an HMAC-SHA256 (first 18 bytes) of "key id.id.expiry" with the
/// key the key id names, so a forged, altered or expired token is refused without a lookup. The keys form a ring
/// (<see cref="VoterKeys"/>): rotating adds a key that signs from then on, and the older ones still check the tokens they signed, so no voter
/// becomes a new one (and votes again) because of a rotation. Tokens of the first format (<c>v1.{id}.{signature}</c>)
/// are still accepted with the original key.
/// </summary>
public sealed class VoterTokens(IOptions<VoterOptions> options, VoterKeys keys, TimeProvider clock)
{
    public const string CookieName = "lp_voter";
    public const string HeaderName = "X-Voter-Token";
    public const string QueryName = "voter";

    // v1.{22 characters of id}.{24 characters of signature}
    private const int IdLength = 22, SignatureLength = 24, TokenLength = 3 + IdLength + 1 + SignatureLength;
    // v2.{4 characters of key id}.{id}.{5 digits of expiry day}.{signature}
    private const int KeyIdLength = 4, DayLength = 5, TokenV2Length = 3 + KeyIdLength + 1 + IdLength + 1 + DayLength + 1 + SignatureLength;

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
        var ring = await keys.RingAsync();
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
        var ring = await keys.RingAsync();
        if (!ring.Signers.ContainsKey(keyId))
        {
            // Another node may have rotated the key moments ago.
            ring = await keys.RingAsync(reload: true);
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
        var signers = await keys.FirstFormatSignersAsync();
        var id = token.Substring(3, IdLength);
        return SameAscii(Sign(signers.Value!, id), token.AsSpan(3 + IdLength + 1)) ? id : null;
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
}
