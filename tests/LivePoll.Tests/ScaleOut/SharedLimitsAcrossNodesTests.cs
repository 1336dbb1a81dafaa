using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;

namespace LivePoll.Tests.ScaleOut;

/// <summary>Two node processes on one redis-server give a client the same vote allowance as one node.</summary>
public sealed class SharedLimitsAcrossNodesTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    private const int PerMinute = 10;

    [Fact]
    public async Task A_script_voting_from_one_address_through_two_nodes_gets_as_many_counted_votes_as_through_one()
    {
        var prefix = TestPrefix.New();
        var settings = new Dictionary<string, string> { ["Limits__VotesPerIpPerMinute"] = PerMinute.ToString() };
        await using var nodeA = await NodeProcess.StartAsync("node-a", store.Configuration, prefix, settings: settings);
        await using var nodeB = await NodeProcess.StartAsync("node-b", store.Configuration, prefix, settings: settings);
        using var editor = new HttpClient { BaseAddress = nodeA.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        editor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LivePollServer.EditorKey);
        using var clientA = new HttpClient { BaseAddress = nodeA.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        using var clientB = new HttpClient { BaseAddress = nodeB.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };

        var onOneNode = await CreatePollAsync(editor);
        var onTwoNodes = await CreatePollAsync(editor);

        // One script, one address each run, 30 votes as fresh voters: through node A only, then alternating A and B.
        var countedOnOne = await VoteAsync(editor, [clientA], onOneNode, "203.0.113.50");
        var countedOnTwo = await VoteAsync(editor, [clientA, clientB], onTwoNodes, "203.0.113.51");

        Assert.Equal(PerMinute, countedOnOne);
        Assert.Equal(countedOnOne, countedOnTwo);
        Assert.Equal(PerMinute, await TotalVotersAsync(editor, onTwoNodes));
    }

    private static async Task<int> VoteAsync(HttpClient editor, HttpClient[] nodes, string pollId, string address)
    {
        var counted = 0;
        for (var i = 0; i < 3 * PerMinute; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes")
            {
                Content = JsonContent.Create(new VoteRequest { OptionIds = ["1"] }),
            };
            request.Headers.Add("X-Forwarded-For", address);
            request.Headers.Add("X-Voter-Token", await NewVoterAsync(editor));
            using var response = await nodes[i % nodes.Length].SendAsync(request).DefaultTimeout();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"vote {i}: {response.StatusCode}");
            counted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }
        return counted;
    }

    private static async Task<string> CreatePollAsync(HttpClient editor)
    {
        using var created = await editor.PostAsJsonAsync("/api/newsroom/polls", new CreatePollRequest
        {
            Question = "Limits?",
            Options = [new CreatePollOption { Text = "yes" }, new CreatePollOption { Text = "no" }],
        }, PollTestKit.Json).DefaultTimeout();
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<PollSnapshot>(PollTestKit.Json))!.PollId;
    }

    private static async Task<string> NewVoterAsync(HttpClient editor)
    {
        // The editor key is exempt from the limits, so minting voters here does not touch the address under test.
        using var token = await editor.PostAsync("/api/voters", null).DefaultTimeout();
        token.EnsureSuccessStatusCode();
        return (await token.Content.ReadFromJsonAsync<VoterToken>(PollTestKit.Json))!.Token;
    }

    private static async Task<long> TotalVotersAsync(HttpClient editor, string pollId) =>
        (await editor.GetFromJsonAsync<PollSnapshot>($"/api/newsroom/polls/{pollId}", PollTestKit.Json).DefaultTimeout())!.TotalVoters ?? -1;
}
