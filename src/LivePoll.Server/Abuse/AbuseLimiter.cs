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
        local counter_key = KEYS[1]
        local limit = tonumber(ARGV[1])    -- hits allowed in a window
        local window = tonumber(ARGV[2])   -- the window's length, ms
        local n = redis.call('INCR', counter_key)
        local ttl = redis.call('PTTL', counter_key)
        if n == 1 or ttl < 0 then
          redis.call('PEXPIRE', counter_key, window)
          ttl = window
        end
        if n > limit then return ttl end
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

    // A wrong password for a name: counts it in the name's 15-minute window; the count that reaches the limit clears it and
    // locks the name against unknown networks, for 15 minutes times 2^(locks in the last day - 1), at most a day.
    // KEYS: failures, lock, lock level. ARGV: limit, window ms, first lock ms, longest lock ms. Returns the lock's ms, or -1.
    private const string FailureScript = """
        local failures, lock, level = KEYS[1], KEYS[2], KEYS[3]
        local limit, window, first_lock, longest_lock = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
        local n = redis.call('INCR', failures)
        if n == 1 or redis.call('PTTL', failures) < 0 then redis.call('PEXPIRE', failures, window) end
        if n < limit then return -1 end
        redis.call('DEL', failures)
        local locks = redis.call('INCR', level)
        redis.call('PEXPIRE', level, 86400000)
        local ms = math.floor(math.min(first_lock * 2 ^ (locks - 1), longest_lock))
        redis.call('SET', lock, '1', 'PX', ms)
        return ms
        """;

    // A right password from a network: it is one of the name's known networks for 30 days, at most the 10 latest.
    // KEYS: known networks. ARGV: network, now ms, how long a network is known ms.
    private const string KnownScript = """
        local known = KEYS[1]
        local network, now, kept = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
        redis.call('ZADD', known, now, network)
        redis.call('ZREMRANGEBYSCORE', known, '-inf', now - kept)
        redis.call('ZREMRANGEBYRANK', known, 0, -11)
        redis.call('PEXPIRE', known, kept)
        return 1
        """;

    private static readonly TimeSpan KnownFor = TimeSpan.FromDays(30), LongestLock = TimeSpan.FromDays(1);

    /// <summary>
    /// How long sign-ins for an account name from <paramref name="ip"/>'s network must wait, or null when they may go
    /// ahead. After <see cref="AbuseOptions.SignInFailuresPerNamePer15Minutes"/> wrong passwords (from anywhere, on any
    /// node) a name is locked, but only against networks it has not signed in from in the last 30 days: an editor at
    /// their usual desk still gets in while someone elsewhere guesses (soft lockout, OWASP ASVS 2.2.1). Each lock within a
    /// day lasts twice as long as the one before (15 minutes, 30, an hour, … at most a day).
    /// </summary>
    public async Task<TimeSpan?> SignInLockedAsync(string? name, IPAddress? ip)
    {
        if (!options.Value.Enabled)
        {
            return null;
        }
        try
        {
            var db = redis.GetDatabase();
            var locked = db.KeyTimeToLiveAsync(keys.Limit(NameKey("sign-in-lock", name)));
            var known = db.SortedSetScoreAsync(keys.Limit(NameKey("sign-in-known", name)), NetworkMember(ip));
            return await locked is { } wait && await known is null ? wait : null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Counts a wrong password for an account name; the one that reaches the limit locks the name (see <see cref="SignInLockedAsync"/>).</summary>
    public async Task RecordSignInFailureAsync(string? name)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(FailureScript,
                [keys.Limit(NameKey("sign-in-failures", name)), keys.Limit(NameKey("sign-in-lock", name)), keys.Limit(NameKey("sign-in-lock-level", name))],
                [options.Value.SignInFailuresPerNamePer15Minutes, (long)Quarter.TotalMilliseconds, (long)Quarter.TotalMilliseconds, (long)LongestLock.TotalMilliseconds]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The store is away: the sign-in itself needs it and fails with a clear answer.
        }
    }

    /// <summary>Remembers <paramref name="ip"/>'s network as one this account name signs in from.</summary>
    public async Task RecordSignInSuccessAsync(string name, IPAddress? ip, DateTimeOffset now)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(KnownScript, [keys.Limit(NameKey("sign-in-known", name))],
                [NetworkMember(ip), UnixMs.Of(now), (long)KnownFor.TotalMilliseconds]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
        }
    }

    // One hash tag per name, so a name's keys share a slot on Redis Cluster. The name and the network are hashed: whatever
    // text a client sends stays out of the store's key names, and no address is kept in the clear.
    private static string NameKey(string kind, string? name) => $"{kind}:{{{Hash(name ?? "")}}}";

    private string NetworkMember(IPAddress? ip) => Hash(Network(ip));

    private static string Hash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];

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
