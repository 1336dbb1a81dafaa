using LivePoll.Server.Storage;
using StackExchange.Redis;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> (Debian's) on a free loopback port, in a temporary directory, without
/// persistence unless asked. Killed and cleaned up on dispose, also when a test failed.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;

    private RedisServerProcess(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server on <paramref name="port"/> (0: a free one) and waits until it answers PING.</summary>
    /// <param name="extraArguments">More redis-server settings (cluster mode, an ACL file), as <c>--name value</c> pairs.</param>
    public static async Task<RedisServerProcess> StartAsync(int port = 0, bool appendOnly = false, string? directory = null,
        IEnumerable<string>? extraArguments = null)
    {
        var executable = ChildProcess.FindTool("redis-server", "redis-server", "REDIS_SERVER");
        port = port == 0 ? EmbeddedGarnet.FreeLoopbackPort() : port;
        directory ??= Directory.CreateTempSubdirectory("livepoll-redis-").FullName;
        var process = ChildProcess.Start(executable,
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", directory,
            "--save", "",
            "--appendonly", appendOnly ? "yes" : "no",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--protected-mode", "yes",
            .. extraArguments ?? [],
        ], workingDirectory: directory);

        var server = new RedisServerProcess(process, directory, port);
        try
        {
            await TimeoutExtensions.WaitUntilAsync(async () =>
            {
                process.EnsureRunning("redis-server");
                try
                {
                    return (await RedisCli.RunAsync(port, "PING")).Trim() is "PONG" or "NOAUTH Authentication required.";
                }
                catch (InvalidOperationException) when (!process.HasExited)
                {
                    return false;
                }
            }, $"redis-server answers on port {port}", TimeSpan.FromSeconds(15));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Kills the server at once (SIGKILL), as a crash would; the data directory stays.</summary>
    public Task KillAsync() => _process.KillAsync();

    public string DataDirectory => _directory;

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}
