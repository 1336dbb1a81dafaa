using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Polls;

/// <summary>Why a challenge solution was refused, or that it was good.</summary>
public enum ChallengeCheck
{
    Solved,
    Malformed,
    Forged,
    Wrong,
    Expired,
    Reused,
}

/// <summary>
/// The proof of work a browser does for a new voter identity (the ALTCHA scheme): the server draws a number up to
/// <see cref="VoterOptions.ChallengeMaxNumber"/>, hashes it with a random salt that carries the expiry, and signs the
/// hash; the client tries numbers until the hash matches (about half the range on average) and sends the solution
/// back. Checking costs one hash and one HMAC, and one store write so a solution is taken once. So every identity
/// costs its client real work, while the server keeps no state for challenges that are never solved.
/// </summary>
public sealed class VoterChallenges(IOptions<VoterOptions> options, VoterKeys voterKeys, IConnectionMultiplexer redis, RedisKeys keys,
    TimeProvider clock)
{
    public const string Algorithm = "SHA-256";

    /// <summary>False when the deployment turned the challenge off (<c>Voters:ChallengeMaxNumber</c> = 0).</summary>
    public bool Required => options.Value.ChallengeMaxNumber > 0;

    public async ValueTask<VoterChallenge> CreateAsync(bool hasVoter)
    {
        var max = Math.Max(1, options.Value.ChallengeMaxNumber);
        var expires = clock.GetUtcNow().AddSeconds(options.Value.ChallengeLifetimeSeconds).ToUnixTimeSeconds();
        var salt = $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}?expires={expires}";
        var number = RandomNumberGenerator.GetInt32(0, max + 1);
        var challenge = Hash(salt, number);
        return new VoterChallenge
        {
            Algorithm = Algorithm,
            Challenge = challenge,
            Salt = salt,
            Signature = await SignAsync(challenge),
            MaxNumber = max,
            HasVoter = hasVoter,
        };
    }

    public async Task<ChallengeCheck> CheckAsync(ChallengeSolution? solution)
    {
        if (solution is not { Algorithm: Algorithm, Challenge: { Length: 64 } challenge, Salt: { Length: > 0 and <= 200 } salt, Signature: { Length: 64 } signature }
            || solution.Number < 0 || solution.Number > int.MaxValue)
        {
            return ChallengeCheck.Malformed;
        }
        if (!FixedTimeEqualsAscii(await SignAsync(challenge), signature))
        {
            return ChallengeCheck.Forged;
        }
        if (!FixedTimeEqualsAscii(Hash(salt, solution.Number), challenge))
        {
            return ChallengeCheck.Wrong;
        }
        var at = salt.LastIndexOf("?expires=", StringComparison.Ordinal);
        if (at < 0 || !long.TryParse(salt.AsSpan(at + 9), NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return ChallengeCheck.Malformed;
        }
        var left = DateTimeOffset.FromUnixTimeSeconds(expires) - clock.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            return ChallengeCheck.Expired;
        }
        // Taken once: the mark lives as long as the challenge could still be presented.
        var first = await redis.GetDatabase().StringSetAsync(keys.SolvedChallenge(challenge), 1, left, When.NotExists);
        return first ? ChallengeCheck.Solved : ChallengeCheck.Reused;
    }

    public static string Message(ChallengeCheck check) => check switch
    {
        ChallengeCheck.Malformed => "A solved challenge is required: send { solution: { algorithm, challenge, salt, signature } as received from "
            + "GET /api/voters/challenge, with the number found }.",
        ChallengeCheck.Forged => "This challenge was not issued by this service: get a new one from GET /api/voters/challenge.",
        ChallengeCheck.Wrong => "That number does not solve the challenge.",
        ChallengeCheck.Expired => "The challenge has expired: get a new one from GET /api/voters/challenge.",
        ChallengeCheck.Reused => "This challenge was already used for a voter: get a new one from GET /api/voters/challenge.",
        _ => check.ToString(),
    };

    private static string Hash(string salt, long number) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + number.ToString(CultureInfo.InvariantCulture))));

    private async ValueTask<string> SignAsync(string challenge) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(await voterKeys.ChallengeKeyAsync(), Encoding.ASCII.GetBytes(challenge)));

    private static bool FixedTimeEqualsAscii(string expected, string actual) =>
        expected.Length == actual.Length
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(actual));
}
