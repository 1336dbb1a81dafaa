using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;
using LivePoll.LoadTests.Scenarios;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LivePoll.Tests.Live;

/// <summary>
/// <c>Node:InlineScheduling</c> runs Kestrel's and the application's continuations on the socket threads: the node
/// still counts every acknowledged vote and delivers every version, over the hub and HTTP, to light and full readers.
/// </summary>
public sealed class InlineSchedulingTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Theory]
    [InlineData(Transport.Hub, Protocol.MessagePack, ReaderClient.Light)]
    [InlineData(Transport.Http, Protocol.Json, ReaderClient.Full)]
    public async Task A_node_with_inline_scheduling_counts_every_vote_and_reaches_every_reader(Transport transport, Protocol protocol, ReaderClient readers)
    {
        await using var server = await LivePollServer.StartAsync(store.Configuration,
            new Dictionary<string, string?> { ["Node:InlineScheduling"] = "true", ["Newsroom:ApiKeys:0:ExemptFromLimits"] = "true" });
        Assert.True(server.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);

        using var target = new Target([server.BaseAddress], LivePollServer.EditorKey, protocol, readers);
        var report = await new SurgeScenario(target, new SurgeOptions
        {
            Readers = 20,
            Voters = 600,
            Profile = new RateProfile(300, TimeSpan.Zero, TimeSpan.FromSeconds(2), TimeSpan.Zero),
            Transport = transport,
            VoteConnections = 4,
        }, new SilentProgress()).RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(2));

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
        Assert.Equal(600, report.Outcomes["Accepted"]);
        Assert.DoesNotContain(report.Verdict.Checks, c => c.Contains("never saw", StringComparison.Ordinal));
        Assert.True(report.VoteToReaderLatency!.Count > 0);
    }
}
