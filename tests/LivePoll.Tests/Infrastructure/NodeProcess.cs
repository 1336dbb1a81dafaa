using LivePoll.Server.Newsroom;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// A LivePoll node as its own process (the built server next to the tests, run with dotnet), on a free
/// loopback port, configured only through environment variables as in docker-compose.yml. Killed on dispose.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private readonly DirectoryInfo? _media;

    private NodeProcess(ChildProcess process, int port, string name, DirectoryInfo? media)
    {
        _process = process;
        _media = media;
        Port = port;
        Name = name;
    }

    public int Port { get; }

    public string Name { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string Output => _process.Output;

    public int ProcessId => _process.Id;

    /// <summary>The TCP ports this node's process listens on (its own HTTP port, and any other it opened), from /proc.</summary>
    public IReadOnlyList<int> ListeningPorts()
    {
        var sockets = Directory.EnumerateFileSystemEntries($"/proc/{ProcessId}/fd")
            .Select(fd => { try { return new FileInfo(fd).LinkTarget; } catch (IOException) { return null; } })
            .Where(target => target?.StartsWith("socket:[", StringComparison.Ordinal) == true)
            .Select(target => target!["socket:[".Length..^1])
            .ToHashSet();
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.SelectMany(File.ReadLines)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            // local_address rem_address st … inode: st 0A is LISTEN.
            .Where(f => f.Length > 9 && f[3] == "0A" && sockets.Contains(f[9]))
            .Select(f => Convert.ToInt32(f[1].Split(':')[1], 16))
            .Distinct()
            .ToList();
    }

    /// <param name="port">The port to listen on (e.g. the one a killed node had); null picks a free one.</param>
    /// <param name="settings">More environment variables (e.g. <c>Limits__VotesPerIpPerMinute</c>); they win over the defaults here.</param>
    public static async Task<NodeProcess> StartAsync(string name, string redisConfiguration, string keyPrefix, int? port = null,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        // A free port picked here can be taken by another test's process before the node binds it; then try another.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(name, redisConfiguration, keyPrefix, port ?? LivePoll.Server.Storage.EmbeddedGarnet.FreeLoopbackPort(), settings);
            }
            catch (InvalidOperationException e) when (port is null && attempt < 3 && e.Message.Contains("address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<NodeProcess> StartOnceAsync(string name, string redisConfiguration, string keyPrefix, int port,
        IReadOnlyDictionary<string, string>? settings)
    {
        var directory = AppContext.BaseDirectory;
        // Photos go to a folder of this node's own (not the project's), unless the test names one or the node keeps them
        // in its embedded store's data folder.
        var media = settings?.ContainsKey("Media__Directory") == true || settings?.ContainsKey("Store__DataDirectory") == true
            ? null : Directory.CreateTempSubdirectory("livepoll-node-media-");
        var process = ChildProcess.Start("dotnet", [Path.Combine(directory, "LivePoll.Server.dll"), "--contentRoot", ServerContentRoot()],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Redis__Configuration"] = redisConfiguration,
                ["Redis__KeyPrefix"] = keyPrefix,
                ["Redis__ConnectTimeoutMs"] = "1000",
                ["Store__Embedded__Persist"] = "false",
                ["Media__Directory"] = media?.FullName ?? "",
                ["Node__Name"] = name,
                ["Logging__LogLevel__Default"] = "Warning",
                ["Newsroom__ApiKeys__0__Name"] = "test editor",
                ["Newsroom__ApiKeys__0__Role"] = "editor",
                ["Newsroom__ApiKeys__0__KeyHash"] = ApiKeyAuthenticationHandler.HashKey(LivePollServer.EditorKey),
                ["Newsroom__ApiKeys__0__ExemptFromLimits"] = "true",
                ["Newsroom__ApiKeys__1__Name"] = "test screen",
                ["Newsroom__ApiKeys__1__Role"] = "screen",
                ["Newsroom__ApiKeys__1__KeyHash"] = ApiKeyAuthenticationHandler.HashKey(LivePollServer.ScreenKey),
            }.Concat(settings ?? new Dictionary<string, string>()).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value), directory);
        var node = new NodeProcess(process, port, name, media);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            await TimeoutExtensions.WaitUntilAsync(async () =>
            {
                process.EnsureRunning($"Node {name}");
                try
                {
                    using var ready = await http.GetAsync(new Uri(node.BaseAddress, "/health/ready"));
                    // Another test's process may hold the port (then this one fails to bind it and exits): only an answer
                    // while this process listens there is this node's.
                    return ready.IsSuccessStatusCode && node.ListeningPorts().Contains(port);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
                catch (DirectoryNotFoundException)
                {
                    // The process exited while its sockets were read: the next round's check says why.
                    return false;
                }
            }, $"node {name} is ready", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    /// <summary>
    /// The server project's folder, whose wwwroot holds the pages (built there by npm), so a node process serves them
    /// as a deployed one does; the test output folder when the sources are not beside the tests.
    /// </summary>
    private static string ServerContentRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var project = Path.Combine(directory.FullName, "src", "LivePoll.Server");
            if (File.Exists(Path.Combine(project, "wwwroot", "desk.html")))
            {
                return project;
            }
        }
        return AppContext.BaseDirectory;
    }

    /// <summary>
    /// Runs one of the server's commands (<c>--export FILE</c>, <c>--backup DIR</c>, …) as an operator would, with
    /// <paramref name="settings"/> as environment variables, and waits for it to exit.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunCommandAsync(IReadOnlyDictionary<string, string> settings, params string[] arguments)
    {
        var directory = AppContext.BaseDirectory;
        await using var process = ChildProcess.Start("dotnet", [Path.Combine(directory, "LivePoll.Server.dll"), .. arguments],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" }
                .Concat(settings).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value), directory);
        await process.WaitForExitAsync().DefaultTimeout(TimeSpan.FromMinutes(2));
        return (process.ExitCode, process.Output);
    }

    /// <summary>SIGKILL, as a crash would.</summary>
    public Task KillAsync() => _process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _media?.Delete(recursive: true);
    }
}
