using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using LivePoll.Server.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Abuse;

/// <summary>
/// The rate limits on votes, tips, voter tokens and newsroom sign-ins, shared by HTTP endpoints and hub methods (HTTP
/// rate limiting does not reach hub calls), and the per-network connection count. The rate limits are counted in the
/// store, so any number of nodes give a client the same allowance as one; a client is its network (an IPv6 /64 by
/// default, see <see cref="AddressPrefix"/>) and, for votes and tips, its voter. A refused vote never reaches the poll.
/// </summary>
public sealed class AbuseLimiter(IOptions<AbuseOptions> options, IConnectionMultiplexer redis, RedisKeys keys)
{
    /// <summary>A claim on API keys configured with ExemptFromLimits: load tools and trusted relays.</summary>
    public const string ExemptClaim = "livepoll:exempt";

    // One counter per partition per window: the first hit starts the window, the counter expires with it. Returns -1
    // when the hit is within the limit, else the milliseconds until the window ends.
    private const string TakeScript = """
        local n = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if n == 1 or ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          ttl = tonumber(ARGV[2])
        end
        if n > tonumber(ARGV[1]) then return ttl end
        return -1
        """;

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1), Hour = TimeSpan.FromHours(1), Quarter = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, int> _connections = new();

    public bool AppliesTo(ClaimsPrincipal? user) => options.Value.Enabled && user?.HasClaim(ExemptClaim, "true") != true;

    /// <summary>The network <paramref name="ip"/> is counted as.</summary>
    public string Network(IPAddress? ip) => AddressPrefix.Of(ip, options.Value.Ipv4PrefixLength, options.Value.Ipv6PrefixLength);

    /// <summary>Takes one vote from the network's and the voter's allowance; null when allowed, else how long to wait.</summary>
    public ValueTask<TimeSpan?> TryVoteAsync(IPAddress? ip, string? voterId) =>
        TakeBothAsync("votes", options.Value.VotesPerIpPerMinute, options.Value.VotesPerVoterPerMinute, Minute, ip, voterId);

    /// <summary>Takes one tip from the network's and the voter's allowance; null when allowed, else how long to wait.</summary>
    public ValueTask<TimeSpan?> TryTipAsync(IPAddress? ip, string? voterId) =>
        TakeBothAsync("tips", options.Value.TipsPerIpPerHour, options.Value.TipsPerVoterPerHour, Hour, ip, voterId);

    /// <summary>Takes one voter token from the network's allowance.</summary>
    public Task<TimeSpan?> TryIssueVoterAsync(IPAddress? ip) =>
        TakeAsync($"voter-tokens:{Network(ip)}", options.Value.VoterTokensPerIpPerHour, Hour);

    /// <summary>Takes one sign-in attempt from the network's allowance.</summary>
    public Task<TimeSpan?> TrySignInAsync(IPAddress? ip) =>
        TakeAsync($"sign-ins:{Network(ip)}", options.Value.SignInsPerIpPer15Minutes, Quarter);

    /// <summary>
    /// How long an account name is locked after <see cref="AbuseOptions.SignInFailuresPerNamePer15Minutes"/> wrong
    /// passwords (from any network, on any node); null when it is not.
    /// </summary>
    public async Task<TimeSpan?> SignInLockedAsync(string? name)
    {
        if (!options.Value.Enabled)
        {
            return null;
        }
        try
        {
            var key = keys.Limit(NameCounter(name));
            var failures = await redis.GetDatabase().StringGetAsync(key);
            if (!failures.HasValue || (long)failures < options.Value.SignInFailuresPerNamePer15Minutes)
            {
                return null;
            }
            return await redis.GetDatabase().KeyTimeToLiveAsync(key) ?? Quarter;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Counts a wrong password for an account name.</summary>
    public Task RecordSignInFailureAsync(string? name) =>
        options.Value.Enabled ? TakeAsync(NameCounter(name), int.MaxValue, Quarter) : Task.CompletedTask;

    // The name as a hash: whatever text a client sends stays out of the store's key names.
    private static string NameCounter(string? name) =>
        "sign-in-failures:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name ?? "")))[..16];

    /// <summary>
    /// Counts a new connection from <paramref name="ip"/>'s network on this node; false (not counted) when it is at its
    /// cap. Connections are a node's own resource, so this cap is per node.
    /// </summary>
    public bool TryOpenConnection(IPAddress? ip)
    {
        var key = Network(ip);
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
        _connections.AddOrUpdate(Network(ip), 0, (_, count) => Math.Max(0, count - 1));

    private async ValueTask<TimeSpan?> TakeBothAsync(string kind, int perNetwork, int perVoter, TimeSpan window, IPAddress? ip, string? voterId)
    {
        // Both counters in one round trip: the multiplexer pipelines the two calls.
        var byNetwork = TakeAsync($"{kind}:{Network(ip)}", perNetwork, window);
        var byVoter = voterId is null ? null : TakeAsync($"{kind}:voter:{voterId}", perVoter, window);
        var wait = await byNetwork;
        var voterWait = byVoter is null ? null : await byVoter;
        return wait ?? voterWait;
    }

    private async Task<TimeSpan?> TakeAsync(string partition, int limit, TimeSpan window)
    {
        try
        {
            var ms = (long)await redis.GetDatabase().ScriptEvaluateAsync(TakeScript, [keys.Limit(partition)], [limit, (long)window.TotalMilliseconds]);
            return ms < 0 ? null : TimeSpan.FromMilliseconds(Math.Max(ms, 1));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The store is away: what the limit guards (counting a vote, keeping a tip) fails on its own with a clear answer.
            return null;
        }
    }
}
