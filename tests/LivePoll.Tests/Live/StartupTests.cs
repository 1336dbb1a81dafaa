using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.Live;

/// <summary>A node started with a wrong setting says which and why in one line, and exits with 1: no stack trace.</summary>
public sealed class StartupTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task The_probe_command_exits_non_zero_when_the_server_does_not_answer_and_zero_when_it_is_ready()
    {
        await using var node = await NodeProcess.StartAsync("probed", store.Configuration, TestPrefix.New());
        Assert.Equal(0, await ProbeAsync(new Uri(node.BaseAddress, "/health/ready").ToString()));
        using var closed = new ClosedLoopbackPort();
        Assert.Equal(1, await ProbeAsync($"http://127.0.0.1:{closed.Port}/health/ready"));
        Assert.Equal(1, await ProbeAsync(new Uri(node.BaseAddress, "/no-such-page").ToString()));
    }

    private static async Task<int> ProbeAsync(string url)
    {
        using var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "LivePoll.Server.dll"), "--probe", url },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await probe.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!probe.HasExited)
            {
                probe.Kill(entireProcessTree: true);
            }
        }
        return probe.ExitCode;
    }

    [Fact]
    public async Task A_setting_out_of_range_stops_the_node_with_a_sentence_not_a_stack_trace()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeProcess.StartAsync("bad-limits", store.Configuration,
            TestPrefix.New(), settings: new Dictionary<string, string> { ["Limits__VotesPerIpPerMinute"] = "0" }));

        Assert.Contains("exited with 1", failure.Message);
        Assert.Contains("LivePoll cannot start:", failure.Message);
        Assert.Contains("VotesPerIpPerMinute", failure.Message);
        Assert.DoesNotContain("   at ", failure.Message);
        Assert.DoesNotContain("Unhandled exception", failure.Message);
    }
}

/// <summary>
/// <c>dotnet run</c> honours the environment it is given: the project's launch profile defaults to Development without
/// overriding ASPNETCORE_ENVIRONMENT, so Production refuses to start without newsroom accounts, and says which it is.
/// </summary>
public sealed class DotnetRunEnvironmentTests
{
    [Fact]
    public async Task Dotnet_run_in_production_refuses_to_start_without_accounts_and_logs_its_environment_when_it_starts()
    {
        var refused = await DotnetRunAsync(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" }, waitFor: null);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("LivePoll cannot start: No newsroom account or API key is configured", refused.Output);
        Assert.DoesNotContain("first-run editor", refused.Output);

        var started = await DotnetRunAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Newsroom__ApiKeys__0__Name"] = "cms",
            ["Newsroom__ApiKeys__0__Role"] = "editor",
            ["Newsroom__ApiKeys__0__KeyHash"] = LivePoll.Server.Newsroom.ApiKeyAuthenticationHandler.HashKey("lpk_run"),
        }, waitFor: "starting in the Production environment");
        Assert.Contains("starting in the Production environment", started.Output);
    }

    /// <summary>Runs the server with <c>dotnet run --no-build</c> (its launch profile included) until it exits or prints <paramref name="waitFor"/>.</summary>
    private static async Task<(int? ExitCode, string Output)> DotnetRunAsync(Dictionary<string, string> environment, string? waitFor)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var project = Path.Combine(RepositoryRoot(), "src", "LivePoll.Server");
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LivePoll.Server.Storage.EmbeddedGarnet.FreeLoopbackPort()}";
        environment["Polls__SeedDemoData"] = "false";
        environment["Feed__SeedDemoData"] = "false";
        // The embedded store keeps its data in a folder of this run's own, not in the project's data folder.
        var data = Directory.CreateTempSubdirectory("livepoll-startup-");
        environment["Store__DataDirectory"] = data.FullName;
        var process = ChildProcess.Start("dotnet", ["run", "--no-build", "-c", configuration, "--project", project], environment, project);
        await using var removeData = new DeleteOnDispose(data);
        await using (process)
        {
            try
            {
                await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(process.HasExited || (waitFor is not null && process.Output.Contains(waitFor, StringComparison.Ordinal))),
                    "the server exits or starts", TimeSpan.FromSeconds(90));
            }
            catch (TimeoutException)
            {
                throw new Xunit.Sdk.XunitException("dotnet run neither exited nor started:\n" + process.Output);
            }
            if (process.HasExited)
            {
                await process.WaitForExitAsync().DefaultTimeout();
                return (process.ExitCode, process.Output);
            }
            return (null, process.Output);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LivePoll.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("LivePoll.sln not found above " + AppContext.BaseDirectory);
    }
}
