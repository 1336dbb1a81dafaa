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
