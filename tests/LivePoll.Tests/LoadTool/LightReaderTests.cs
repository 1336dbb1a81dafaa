using System.Net.Http.Headers;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Scenarios;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;

namespace LivePoll.Tests.LoadTool;

/// <summary>The load tool's light poll readers come back by themselves when their node dies and returns, as pages do.</summary>
public sealed class LightReaderTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task Light_poll_readers_reconnect_after_their_node_is_killed_and_end_on_the_final_count()
    {
        var prefix = TestPrefix.New();
        var node = await NodeProcess.StartAsync("node-a", store.Configuration, prefix);
        NodeProcess? restarted = null;
        var readers = new List<IPollReader>();
        try
        {
            using var target = new Target([node.BaseAddress], LivePollServer.EditorKey, Protocol.MessagePack);
            var meter = new RunMeter(TimeSpan.FromMinutes(2));
            var poll = await target.CreatePollAsync(2, CancellationToken.None).DefaultTimeout();
            for (var i = 0; i < 20; i++)
            {
                readers.Add(await IPollReader.StartAsync(target, i, poll.PollId, meter, CancellationToken.None).DefaultTimeout());
            }

            await node.KillAsync();
            restarted = await NodeProcess.StartAsync("node-a", store.Configuration, prefix, node.Port);
            using var http = new HttpClient { BaseAddress = restarted.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LivePollServer.EditorKey);
            long version = 0;
            for (var i = 0; i < 30; i++)
            {
                using var token = await http.PostAsync("/api/voters", null).DefaultTimeout();
                var voter = (await token.Content.ReadFromJsonAsync<VoterToken>(PollTestKit.Json))!.Token;
                using var vote = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{poll.PollId}/votes") { Content = JsonContent.Create(new VoteRequest { OptionIds = ["1"] }) };
                vote.Headers.Add("X-Voter-Token", voter);
                using var answer = await http.SendAsync(vote).DefaultTimeout();
                version = (await answer.Content.ReadFromJsonAsync<VoteResult>(PollTestKit.Json))!.Version!.Value;
            }

            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(readers.All(r => r.Versions.FirstHolding(version) is not null)),
                "every light reader is back and holds the last vote's snapshot", TimeSpan.FromSeconds(60));
            Assert.Equal(20, meter.Reconnects);
        }
        finally
        {
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
            }
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
            await node.DisposeAsync();
        }
    }
}
