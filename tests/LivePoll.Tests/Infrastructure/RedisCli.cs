using System.Diagnostics;

namespace LivePoll.Tests.Infrastructure;

/// <summary>Debian's <c>redis-cli</c>, for what a test asks a Redis server directly (cluster set-up, CLUSTER NODES, ACL).</summary>
public static class RedisCli
{
    /// <summary>Runs <c>redis-cli -h 127.0.0.1 -p PORT ARGS…</c> and returns what it printed; throws when it could not run.</summary>
    public static async Task<string> RunAsync(int port, params string[] arguments)
    {
        var info = new ProcessStartInfo(ChildProcess.FindTool("redis-cli", "redis-tools", "REDIS_CLI"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. arguments])
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start redis-cli.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} on port {port} did not finish within 60 s.");
        }
        var text = await output;
        var error = await errors;
        // redis-cli prints a refused connection on stderr and exits 1; the server's own errors come on stdout.
        if (process.ExitCode != 0 || error.Contains("Could not connect", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} on port {port} failed ({process.ExitCode}): {text}{error}");
        }
        return text;
    }
}
