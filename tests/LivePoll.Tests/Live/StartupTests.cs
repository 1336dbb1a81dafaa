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
        var closedPort = LivePoll.Server.Storage.EmbeddedGarnet.FreeLoopbackPort();
        Assert.Equal(1, await ProbeAsync($"http://127.0.0.1:{closedPort}/health/ready"));
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
