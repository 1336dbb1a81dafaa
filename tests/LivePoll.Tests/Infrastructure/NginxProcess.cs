using System.Net.Sockets;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// Debian's nginx on a free loopback port with the project's own deploy/nginx.conf, its upstreams pointed at
/// the given nodes: the same configuration docker-compose.yml uses. Stopped on dispose.
/// </summary>
public sealed class NginxProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;

    private NginxProcess(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public static Task<NginxProcess> StartAsync(params NodeProcess[] nodes) => StartAsync(refuseWebSockets: false, nodes);

    /// <summary>
    /// The same, but refusing every WebSocket upgrade with 403, as corporate and public proxies that block WebSockets do:
    /// clients must negotiate and use Server-Sent Events or long polling.
    /// </summary>
    public static Task<NginxProcess> StartRefusingWebSocketsAsync(params NodeProcess[] nodes) => StartAsync(refuseWebSockets: true, nodes);

    private static async Task<NginxProcess> StartAsync(bool refuseWebSockets, NodeProcess[] nodes)
    {
        var executable = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx was not found. Install it (sudo apt-get install nginx) or run ./test.sh, which installs it.");
        var port = LivePoll.Server.Storage.EmbeddedGarnet.FreeLoopbackPort();
        var directory = Directory.CreateTempSubdirectory("livepoll-nginx-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // nginx started as root runs its workers as another user, who writes request bodies larger than a buffer
            // (a photo upload) into the temporary folders under this one.
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        }
        var config = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "nginx.conf"))
            .Replace("listen 80;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)
            .Replace("pid /tmp/livepoll-nginx.pid;", $"pid {directory}/nginx.pid;", StringComparison.Ordinal);
        for (var i = 0; i < nodes.Length; i++)
        {
            config = config.Replace($"node{i + 1}:8080", $"127.0.0.1:{nodes[i].Port}", StringComparison.Ordinal);
        }
        if (refuseWebSockets)
        {
            config = config.Replace("location /hubs/ {", "location /hubs/ {\n      if ($http_upgrade) { return 403; }", StringComparison.Ordinal);
        }
        // Temporary files of this nginx stay in its own folder.
        config = config.Replace("http {", $"http {{\n  client_body_temp_path {directory}/body;\n  proxy_temp_path {directory}/proxy;\n  fastcgi_temp_path {directory}/fastcgi;\n  uwsgi_temp_path {directory}/uwsgi;\n  scgi_temp_path {directory}/scgi;", StringComparison.Ordinal);
        var path = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(path, config);

        var process = ChildProcess.Start(executable, ["-c", path, "-p", directory, "-g", "daemon off;"]);
        var nginx = new NginxProcess(process, directory, port);
        try
        {
            await TimeoutExtensions.WaitUntilAsync(async () =>
            {
                process.EnsureRunning("nginx");
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync("127.0.0.1", port);
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            }, "nginx listens", TimeSpan.FromSeconds(15));
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }
        return nginx;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The checkout's root, found from the test binaries upwards by LivePoll.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LivePoll.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("LivePoll.sln was not found above the test binaries.");
    }
}
