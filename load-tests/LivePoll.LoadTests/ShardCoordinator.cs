using System.Diagnostics;
using LivePoll.Contracts;
using LivePoll.LoadTests.Reporting;
using Spectre.Console;

namespace LivePoll.LoadTests;

/// <summary>
/// <c>surge --processes N</c>: runs one surge as N shards, each a process of this tool on this machine with
/// <c>--shard K/N</c>. The coordinator makes the poll, starts the shards, lets them set up (voter tokens, readers,
/// connections), then starts them all at once, and merges their reports into one report and verdict. Shards on
/// other machines do the same by hand: <c>--shard K/N --poll ID --start-at TIME</c>, then <c>merge</c>.
/// </summary>
internal static class ShardCoordinator
{
    public const string Ready = "SHARD READY", Go = "GO";

    /// <summary>In a shard started by a coordinator: say so once set up, and wait for the word to start.</summary>
    public static async Task AwaitGoAsync(CancellationToken cancellationToken)
    {
        await Console.Out.WriteLineAsync(Ready);
        await Console.Out.FlushAsync(cancellationToken);
        while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Trim() == Go)
            {
                return;
            }
        }
        throw new InvalidOperationException("The coordinator went away before the start.");
    }

    public static async Task<int> RunAsync(SurgeSettings settings, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        var count = settings.Processes;
        var folder = settings.Report ?? Path.Combine("load-tests", "reports", $"surge-{DateTime.Now:yyyyMMdd-HHmmss}");
        using var target = settings.CreateTarget();
        string pollId;
        try
        {
            pollId = settings.Poll ?? (await target.CreatePollAsync(3, cancellationToken, settings.Kind ?? settings.Scenario?.Kind ?? PollKind.Choice)).PollId;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
        {
            console.MarkupLine($"[red]The surge could not go ahead:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.CouldNotRun;
        }

        console.MarkupLine($"Running the surge as {count} shards on poll {Markup.Escape(pollId)}; reports in {Markup.Escape(folder)}");
        var shards = new List<(Process Process, TaskCompletionSource Ready, Task Output)>();
        try
        {
            for (var k = 1; k <= count; k++)
            {
                var process = Start(ShardArguments(k, count, pollId, Path.Combine(folder, $"shard-{k}")));
                var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                shards.Add((process, ready, ForwardAsync(process, k, count, ready, console)));
            }
            var allReady = Task.WhenAll(shards.Select(s => s.Ready.Task));
            if (await Task.WhenAny(allReady, Task.WhenAll(shards.Select(s => s.Process.WaitForExitAsync(cancellationToken)))) != allReady)
            {
                console.MarkupLine("[red]A shard ended before the start; see its output above.[/]");
                return ExitCodes.CouldNotRun;
            }
            foreach (var (process, _, _) in shards)
            {
                await process.StandardInput.WriteLineAsync(Go);
                await process.StandardInput.FlushAsync(cancellationToken);
            }
            foreach (var (process, _, output) in shards)
            {
                await process.WaitForExitAsync(cancellationToken);
                await output;
            }
            if (shards.Any(s => s.Process.ExitCode == 2))
            {
                console.MarkupLine("[red]A shard could not complete its run; see its output above.[/]");
                return ExitCodes.CouldNotRun;
            }
        }
        finally
        {
            foreach (var (process, _, _) in shards)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
                process.Dispose();
            }
        }

        var reports = Enumerable.Range(1, count).Select(k => ShardMerge.Read(Path.Combine(folder, $"shard-{k}", "report.json"))).ToList();
        var merged = await ShardMerge.MergeAsync(reports, target, cancellationToken);
        return Runner.Finish(console, settings.WithThresholds(merged), folder);
    }

    /// <summary>This run's own arguments, less those the coordinator sets, plus the shard's.</summary>
    private static List<string> ShardArguments(int index, int count, string pollId, string report)
    {
        var own = Environment.GetCommandLineArgs().Skip(1).ToList();
        if (own.Count > 0 && own[0].EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            own.RemoveAt(0);
        }
        var arguments = new List<string>();
        for (var i = 0; i < own.Count; i++)
        {
            if (own[i] is "--processes" or "--report" or "--poll")
            {
                i++;
                continue;
            }
            arguments.Add(own[i]);
        }
        arguments.AddRange(["--shard", $"{index}/{count}", "--poll", pollId, "--await-go", "--report", report]);
        return arguments;
    }

    private static Process Start(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var host = Environment.ProcessPath!;
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ShardCoordinator).Assembly.Location);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start a shard process.");
    }

    private static async Task ForwardAsync(Process process, int index, int count, TaskCompletionSource ready, IAnsiConsole console)
    {
        var errors = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                console.MarkupLine($"[red]{index}/{count}[/] {Markup.Escape(line)}");
            }
        });
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == Ready)
            {
                ready.TrySetResult();
                continue;
            }
            console.MarkupLine($"[grey]{index}/{count}[/] {Markup.Escape(line)}");
        }
        await errors;
    }
}
