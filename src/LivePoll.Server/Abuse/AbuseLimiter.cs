using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Abuse;

/// <summary>
/// The rate limits on votes and tips, shared by HTTP endpoints and hub methods (HTTP rate limiting does not
/// reach hub calls), and the per-IP connection count. A refused vote never reaches the store.
/// </summary>
public sealed class AbuseLimiter(IOptions<AbuseOptions> options)
{
    /// <summary>A claim on API keys configured with ExemptFromLimits: load tools and trusted relays.</summary>
    public const string ExemptClaim = "livepoll:exempt";

    private readonly PartitionedRateLimiter<string> _votesPerIp = Limiter(options.Value.VotesPerIpPerMinute, TimeSpan.FromMinutes(1));
    private readonly PartitionedRateLimiter<string> _votesPerVoter = Limiter(options.Value.VotesPerVoterPerMinute, TimeSpan.FromMinutes(1));
    private readonly PartitionedRateLimiter<string> _tipsPerIp = Limiter(options.Value.TipsPerIpPerHour, TimeSpan.FromHours(1));
    private readonly PartitionedRateLimiter<string> _tipsPerVoter = Limiter(options.Value.TipsPerVoterPerHour, TimeSpan.FromHours(1));
    private readonly ConcurrentDictionary<string, int> _connections = new();

    public bool AppliesTo(ClaimsPrincipal? user) => options.Value.Enabled && user?.HasClaim(ExemptClaim, "true") != true;

    /// <summary>Takes one vote from the IP's and the voter's allowance; null when allowed, else how long to wait.</summary>
    public TimeSpan? TryVote(IPAddress? ip, string? voterId) => TryTake(_votesPerIp, _votesPerVoter, ip, voterId);

    /// <summary>Takes one tip from the IP's and the voter's allowance; null when allowed, else how long to wait.</summary>
    public TimeSpan? TryTip(IPAddress? ip, string? voterId) => TryTake(_tipsPerIp, _tipsPerVoter, ip, voterId);

    /// <summary>Counts a new connection from <paramref name="ip"/>; false (not counted) when the IP is at its cap.</summary>
    public bool TryOpenConnection(IPAddress? ip)
    {
        var key = Key(ip);
        while (true)
        {
            var current = _connections.GetOrAdd(key, 0);
            if (current >= options.Value.ConnectionsPerIp)
            {
                return false;
            }
            if (_connections.TryUpdate(key, current + 1, current))
            {
                return true;
            }
        }
    }

    public void CloseConnection(IPAddress? ip) =>
        _connections.AddOrUpdate(Key(ip), 0, (_, count) => Math.Max(0, count - 1));

    private static TimeSpan? TryTake(PartitionedRateLimiter<string> perIp, PartitionedRateLimiter<string> perVoter, IPAddress? ip, string? voterId)
    {
        using var byIp = perIp.AttemptAcquire(Key(ip));
        if (!byIp.IsAcquired)
        {
            return RetryAfter(byIp);
        }
        if (voterId is null)
        {
            return null;
        }
        using var byVoter = perVoter.AttemptAcquire(voterId);
        return byVoter.IsAcquired ? null : RetryAfter(byVoter);
    }

    private static string Key(IPAddress? ip) => ip?.ToString() ?? "unknown";

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);

    private static PartitionedRateLimiter<string> Limiter(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
}
