using System.ComponentModel.DataAnnotations;

namespace LivePoll.Server.Abuse;

/// <summary>Limits that keep one client from hurting the rest (section <c>Limits</c>).</summary>
public sealed class AbuseOptions
{
    public const string Section = "Limits";

    /// <summary>Off only for a closed test rig; prefer an exempt API key (Newsroom:ApiKeys:N:ExemptFromLimits) for load tests.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Votes per client network (see <see cref="Ipv6PrefixLength"/>) per minute, over hub and HTTP together and across every
    /// node (counted in the store). Generous: a newsroom's audience may share a NAT.
    /// </summary>
    [Range(1, 1_000_000)]
    public int VotesPerIpPerMinute { get; set; } = 600;

    /// <summary>Votes per voter per minute, retries included.</summary>
    [Range(1, 10_000)]
    public int VotesPerVoterPerMinute { get; set; } = 20;

    /// <summary>Tips per client IP per hour.</summary>
    [Range(1, 100_000)]
    public int TipsPerIpPerHour { get; set; } = 20;

    /// <summary>Tips per voter (browser cookie or voter token) per hour.</summary>
    [Range(1, 100_000)]
    public int TipsPerVoterPerHour { get; set; } = 5;

    /// <summary>Voter tokens (POST /api/voters) one network may get per hour. Apps need one per user, not per vote.</summary>
    [Range(1, 1_000_000)]
    public int VoterTokensPerIpPerHour { get; set; } = 100;

    /// <summary>Newsroom sign-in attempts per network per 15 minutes, right or wrong: brute force gets a handful of guesses.</summary>
    [Range(1, 10_000)]
    public int SignInsPerIpPer15Minutes { get; set; } = 10;

    /// <summary>Wrong passwords for one account name, from anywhere, after which the name is locked for the rest of 15 minutes.</summary>
    [Range(1, 10_000)]
    public int SignInFailuresPerNamePer15Minutes { get; set; } = 10;

    /// <summary>
    /// How much of an IPv6 address names one client for every per-IP limit: 64 bits by default (a home, an office or a phone
    /// usually holds a whole /64, and could otherwise vote from each of its addresses).
    /// </summary>
    [Range(16, 128)]
    public int Ipv6PrefixLength { get; set; } = 64;

    /// <summary>How much of an IPv4 address names one client: 32 bits (the address itself) by default.</summary>
    [Range(8, 32)]
    public int Ipv4PrefixLength { get; set; } = 32;

    /// <summary>
    /// Counted voters one client network may bring to one poll; past it, new voters from that network are answered
    /// "Held" and not counted until the newsroom admits the network (desk, Integrity). Generous: a newsroom's audience
    /// may share a NAT (an office, a campus, a mobile carrier). 0: no cap.
    /// </summary>
    [Range(0, 100_000_000)]
    public int VotesPerNetworkPerPoll { get; set; } = 2000;

    /// <summary>Open hub connections per client IP.</summary>
    [Range(1, 1_000_000)]
    public int ConnectionsPerIp { get; set; } = 100;

    /// <summary>Largest hub message a client may send, in bytes; a larger one closes that connection.</summary>
    [Range(1_024, 1_048_576)]
    public int MaxHubMessageBytes { get; set; } = 16 * 1024;

    /// <summary>Largest HTTP request body, in bytes (articles included).</summary>
    [Range(1_024, 104_857_600)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest tip request body, in bytes.</summary>
    [Range(1_024, 1_048_576)]
    public long MaxTipBodyBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// Origins (e.g. https://news.example.kz) whose pages may call the API (CORS) and open hub connections.
    /// The server's own origin is always allowed; clients that send no Origin (apps, tools) are not affected.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
