using System.Globalization;
using LivePoll.Server.Storage;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster of Debian's redis-server processes on free loopback ports: primaries, each with its replicas,
/// made with <c>redis-cli --cluster create</c>, as an operator would. Every process is killed on dispose, also when a
/// test failed.
/// </summary>
/// <remarks>
/// Settings as docker-compose.cluster.yml has them (node timeout 5 s; the failover tests ask for 1 s, so that a failover
/// takes about two seconds): <c>cluster-require-full-coverage no</c> (the other shards keep working while one fails over) and
/// <c>cluster-replica-validity-factor 0</c> (a replica may always take over).
/// </remarks>
public sealed class RedisClusterProcess : IAsyncDisposable
{
    private readonly Dictionary<int, RedisServerProcess> _nodes;
    private readonly Dictionary<int, string[]> _arguments;
    private readonly List<RedisServerProcess> _replaced = [];

    private RedisClusterProcess(Dictionary<int, RedisServerProcess> nodes, Dictionary<int, string[]> arguments)
    {
        _nodes = nodes;
        _arguments = arguments;
    }

    /// <summary>Every node's port, primaries and replicas, as the cluster was made.</summary>
    public IReadOnlyCollection<int> Ports => _nodes.Keys;

    /// <summary>Seed addresses for <c>Redis:Configuration</c>: every node, so any one that answers tells the client the rest.</summary>
    public string Configuration => string.Join(",", _nodes.Keys.Select(p => $"127.0.0.1:{p}"));

    /// <param name="extraArguments">More redis-server settings for every node (e.g. an ACL file).</param>
    /// <param name="nodeTimeoutMs">
    /// How long a primary may be unreachable before its replica is promoted. 5 s by default: with 1 s, a primary that a
    /// busy 2-core machine kept from answering for a second was failed over in the middle of an unrelated test (a poll's
    /// schedule entry, acknowledged but not yet replicated, was lost with it). The failover tests ask for 1 s.
    /// </param>
    /// <param name="admin">The user redis-cli signs in as, when the default user is off (an ACL file).</param>
    public static async Task<RedisClusterProcess> StartAsync(int primaries = 3, int replicasPerPrimary = 1, int nodeTimeoutMs = 5_000,
        IEnumerable<string>? extraArguments = null, (string User, string Password)? admin = null)
    {
        var count = primaries * (1 + replicasPerPrimary);
        var ports = new HashSet<int>();
        while (ports.Count < 2 * count)
        {
            ports.Add(EmbeddedGarnet.FreeLoopbackPort());
        }
        var data = ports.Take(count).ToArray();
        var bus = ports.Skip(count).ToArray();
        var extra = extraArguments?.ToArray() ?? [];

        var arguments = data.Select((port, i) => (Port: port, Arguments: (string[])
        [
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", nodeTimeoutMs.ToString(CultureInfo.InvariantCulture),
            "--cluster-port", bus[i].ToString(CultureInfo.InvariantCulture),
            "--cluster-require-full-coverage", "no",
            "--cluster-replica-validity-factor", "0",
            // A replica that (re)joins gets its full copy at once, not after the default 5 s wait for more replicas.
            "--repl-diskless-sync-delay", "0",
            .. extra,
        ])).ToDictionary(a => a.Port, a => a.Arguments);
        var starts = arguments.Select(a => RedisServerProcess.StartAsync(a.Key, extraArguments: a.Value)).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            // Stop the ones that did start; the first failure says why the others did not.
            await Task.WhenAll(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result.DisposeAsync().AsTask()));
            throw;
        }
        var cluster = new RedisClusterProcess(starts.ToDictionary(s => s.Result.Port, s => s.Result), arguments);
        try
        {
            string[] auth = admin is { } a ? ["--user", a.User, "--pass", a.Password, "--no-auth-warning"] : [];
            await RedisCli.RunAsync(data[0], [.. auth, "--cluster", "create", .. data.Select(p => $"127.0.0.1:{p}"),
                "--cluster-replicas", replicasPerPrimary.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]);
            cluster.CliAuth = auth;
            await cluster.WaitUntilHealthyAsync(primaries, count);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private string[] CliAuth { get; set; } = [];

    /// <summary>Runs a redis-cli command on one node (with the cluster's admin password, if it has one).</summary>
    public Task<string> CliAsync(int port, params string[] arguments) => RedisCli.RunAsync(port, [.. CliAuth, .. arguments]);

    /// <summary>The port of the primary that owns <paramref name="key"/>'s hash slot now, as a live node sees it.</summary>
    public async Task<int> PrimaryOfAsync(string key) =>
        await OwnerAsync(key) ?? throw new InvalidOperationException($"No live primary owns {key}'s slot.");

    /// <summary>The live primary owning the key's slot, or null while there is none (its primary failed, no replica promoted yet).</summary>
    private async Task<int?> OwnerAsync(string key)
    {
        var any = LivePorts().First();
        var slot = int.Parse((await CliAsync(any, "CLUSTER", "KEYSLOT", key)).Trim(), CultureInfo.InvariantCulture);
        return (await NodesAsync(any)).SingleOrDefault(n => n.IsPrimary && !n.Failed && n.Owns(slot))?.Port;
    }

    /// <summary>Kills one node at once (SIGKILL), as a crash would.</summary>
    public Task KillAsync(int port) => _nodes[port].KillAsync();

    /// <summary>
    /// Starts a killed node again on its port and data directory, as a supervisor would restart it; once a replica has
    /// taken over its slots, its nodes.conf makes it rejoin as that replica's replica (it gets a full copy from it).
    /// Returns when it is in sync.
    /// </summary>
    public async Task RestartAsync(int port)
    {
        var killed = _nodes[port];
        _replaced.Add(killed);
        _nodes[port] = await RedisServerProcess.StartAsync(port, directory: killed.DataDirectory, extraArguments: _arguments[port]);
        await TimeoutExtensions.WaitUntilAsync(async () =>
            (await CliAsync(port, "INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal),
            $"the restarted node on {port} is a replica in sync", TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until a live primary other than <paramref name="oldPrimary"/> owns <paramref name="key"/>'s slot; returns its port.</summary>
    public async Task<int> WaitForNewPrimaryAsync(string key, int oldPrimary, TimeSpan timeout)
    {
        var promoted = 0;
        await TimeoutExtensions.WaitUntilAsync(async () =>
        {
            promoted = await OwnerAsync(key) ?? oldPrimary;
            return promoted != oldPrimary;
        }, $"a replica takes over {key}'s slot from the primary on {oldPrimary}", timeout);
        return promoted;
    }

    private IEnumerable<int> LivePorts() => _nodes.Where(n => !n.Value.HasExited).Select(n => n.Key);

    private async Task WaitUntilHealthyAsync(int primaries, int count)
    {
        await TimeoutExtensions.WaitUntilAsync(async () =>
        {
            foreach (var port in LivePorts())
            {
                var info = await CliAsync(port, "CLUSTER", "INFO");
                if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || !info.Contains($"cluster_known_nodes:{count}\r", StringComparison.Ordinal))
                {
                    return false;
                }
                var nodes = await NodesAsync(port);
                if (nodes.Count(n => n.IsPrimary && n.Slots.Count > 0) != primaries || nodes.Count(n => !n.IsPrimary) != count - primaries)
                {
                    return false;
                }
                if (nodes.Single(n => n.Port == port) is { IsPrimary: false }
                    && !(await CliAsync(port, "INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }, "every node of the Redis Cluster agrees it is whole and every replica is in sync", TimeSpan.FromSeconds(60));
    }

    private async Task<List<ClusterNode>> NodesAsync(int port) =>
        (await CliAsync(port, "CLUSTER", "NODES")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(ClusterNode.Parse).ToList();

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Values.Concat(_replaced).Select(n => n.DisposeAsync().AsTask()));
    }

    /// <summary>One line of CLUSTER NODES: <c>id ip:port@bus flags primary-id ping pong epoch link slot…</c>.</summary>
    private sealed record ClusterNode(int Port, bool IsPrimary, bool Failed, IReadOnlyList<(int From, int To)> Slots)
    {
        public bool Owns(int slot) => Slots.Any(r => r.From <= slot && slot <= r.To);

        public static ClusterNode Parse(string line)
        {
            var parts = line.Split(' ');
            var address = parts[1];
            var port = int.Parse(address[(address.LastIndexOf(':') + 1)..address.IndexOf('@')], CultureInfo.InvariantCulture);
            var flags = parts[2].Split(',');
            var slots = parts.Skip(8).Where(s => !s.StartsWith('[')).Select(s =>
            {
                var range = s.Split('-');
                var from = int.Parse(range[0], CultureInfo.InvariantCulture);
                return (from, range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : from);
            }).ToList();
            return new ClusterNode(port, flags.Contains("master"), flags.Contains("fail") || flags.Contains("fail?"), slots);
        }
    }
}
