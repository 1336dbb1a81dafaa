using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.Live;

/// <summary>A node started with a wrong setting says which and why in one line, and exits with 1: no stack trace.</summary>
public sealed class StartupTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
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
