using System.Diagnostics;
using System.Text;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// A process a test starts (redis-server, a LivePoll node, nginx): its output kept for failure messages, and
/// killed with its children on dispose, also when the test failed.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

    public static ChildProcess Start(string executable, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (executable == "dotnet")
        {
            // The suite starts a .NET process a few hundred times; without dynamic PGO's instrumentation each is ready about
            // 0.4 s sooner (2.9 s → 2.4 s for a node here). What the process does is the same; a test may set it back.
            info.Environment["DOTNET_TieredPGO"] = "0";
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var child = new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}."));
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// The path of a Debian tool a test starts: <paramref name="overrideVariable"/>'s value when set, else /usr/bin or
    /// /usr/local/bin; throws naming the package to install (./test.sh installs them all).
    /// </summary>
    public static string FindTool(string name, string package, string? overrideVariable = null)
    {
        foreach (var candidate in new[] { overrideVariable is null ? null : Environment.GetEnvironmentVariable(overrideVariable), $"/usr/bin/{name}", $"/usr/local/bin/{name}" })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"{name} was not found. Install it (Debian/Ubuntu: sudo apt-get install {package}) or run ./test.sh, which installs it.");
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the process to end and for the last of its output to be read.</summary>
    public Task WaitForExitAsync() => _process.WaitForExitAsync();

    /// <summary>Throws, with what the process printed, when it has already ended; used while waiting for it to be ready.</summary>
    public void EnsureRunning(string what)
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"{what} exited with {_process.ExitCode}: {Output}");
        }
    }

    /// <summary>SIGKILL to the process and its children, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().DefaultTimeout();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
