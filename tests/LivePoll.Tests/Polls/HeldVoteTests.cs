using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace LivePoll.Tests.Polls;

/// <summary>
/// Past a poll's cap of counted voters per client network, votes are answered "Held" and not counted; excluding a
/// network and admitting it again recounts the poll exactly from its audit records, and readers get the corrected
/// snapshot live.
/// </summary>
public abstract class HeldVoteTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private const int Cap = 3;
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
    {
        ["Limits:VotesPerNetworkPerPoll"] = Cap.ToString(),
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Past_the_cap_votes_are_held_and_excluding_and_admitting_a_network_gives_exact_counts_live()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        await using var reader = _server.CreateHubConnection(WireProtocol.MessagePack);
        var snapshots = new EventRecorder<PollSnapshot>(reader, ClientEvents.PollSnapshot);
        await reader.StartAsync().DefaultTimeout();
        await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();

        // A crowd network: 5 voters for option 1 (3 counted, 2 held); a neighbour: 2 voters for option 2.
        var outcomes = new List<VoteOutcome>();
        for (var i = 0; i < 5; i++)
        {
            outcomes.Add(await VoteFromAsync("198.51.100.7", poll.PollId, "1"));
        }
        Assert.Equal([VoteOutcome.Accepted, VoteOutcome.Accepted, VoteOutcome.Accepted, VoteOutcome.Held, VoteOutcome.Held], outcomes);
        Assert.Equal(VoteOutcome.Accepted, await VoteFromAsync("198.51.100.8", poll.PollId, "2"));
        Assert.Equal(VoteOutcome.Accepted, await VoteFromAsync("198.51.100.8", poll.PollId, "2"));
        await AssertCountsAsync(poll.PollId, one: 3, two: 2);

        var integrity = await IntegrityAsync(poll.PollId);
        Assert.Equal(2, integrity.Held);
        Assert.Equal(7, integrity.Records);
        var crowd = integrity.TopNetworks[0];
        Assert.Equal(5, crowd.Votes);
        var neighbour = integrity.TopNetworks[1].Network;

        // Exclude the crowd: only the neighbour counts; readers see it without asking.
        var afterExclude = await SetNetworkAsync(poll.PollId, crowd.Network, "exclude");
        Assert.Equal([crowd.Network], afterExclude.Excluded);
        Assert.Equal(5, afterExclude.Held);
        await AssertCountsAsync(poll.PollId, one: 0, two: 2);
        await snapshots.WaitForAsync(s => s.PollId == poll.PollId && s.TotalVoters == 2 && s.Options[0].Count == 0, "the corrected snapshot after excluding");
        // A new voter from the excluded network is held too.
        Assert.Equal(VoteOutcome.Held, await VoteFromAsync("198.51.100.7", poll.PollId, "1"));

        // Admit it: every one of its voters counts now, past the cap as well.
        var afterAdmit = await SetNetworkAsync(poll.PollId, crowd.Network, "admit");
        Assert.Empty(afterAdmit.Excluded);
        Assert.Equal([crowd.Network], afterAdmit.Admitted);
        Assert.Equal(0, afterAdmit.Held);
        await AssertCountsAsync(poll.PollId, one: 6, two: 2);
        await snapshots.WaitForAsync(s => s.PollId == poll.PollId && s.TotalVoters == 8 && s.Options[0].Count == 6, "the corrected snapshot after admitting");

        // The counts are exactly what the audit records say: each voter's latest choice, once.
        var db = _server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var records = await db.ListRangeAsync(_server.Services.GetRequiredService<RedisKeys>().PollAudit(poll.PollId));
        var latest = records.Select(r => r.ToString().Split(' ')).GroupBy(f => f[1]).ToDictionary(g => g.Key, g => g.Last()[2]);
        Assert.Equal(8, latest.Count);
        Assert.Equal(6, latest.Values.Count(c => c == "1"));
        Assert.Equal(2, latest.Values.Count(c => c == "2"));

        // Excluding the neighbour as well, then admitting it, comes back to the same counts.
        await SetNetworkAsync(poll.PollId, neighbour, "exclude");
        await AssertCountsAsync(poll.PollId, one: 6, two: 0);
        await SetNetworkAsync(poll.PollId, neighbour, "admit");
        await AssertCountsAsync(poll.PollId, one: 6, two: 2);

        // Each recount is a leaf of the poll's tally log at its place; the public verifier recomputes the corrected counts.
        (await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null).DefaultTimeout()).EnsureSuccessStatusCode();
        await TimeoutExtensions.WaitUntilAsync(async () =>
        {
            using var head = await _server.Anonymous.GetAsync($"/api/polls/{poll.PollId}/log");
            return head.IsSuccessStatusCode && (await head.Content.ReadFromJsonAsync<TallyHead>())!.Final;
        }, "the final head");
        var leaves = (await _server.Anonymous.GetFromJsonAsync<TallyLeavesPage>($"/api/polls/{poll.PollId}/log/leaves"))!.Leaves
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<TallyLeaf>(l)!).ToList();
        Assert.Equal(["vote", "vote", "vote", "vote", "vote", "recount", "recount", "recount", "recount"], leaves.Select(l => l.Kind));
        Assert.Equal(["exclude", "admit", "exclude", "admit"], leaves.Where(l => l.Kind == TallyLeaf.Recount).Select(l => l.Reason));
        Assert.Equal([-3L, 6, -2, 2], leaves.Where(l => l.Kind == TallyLeaf.Recount).Select(l => l.Voters!.Value));
        var verdict = await new LivePoll.Verify.TallyVerifier(_server.Anonymous, new StringWriter()).VerifyAsync(poll.PollId).DefaultTimeout();
        Assert.True(verdict.Passed, verdict.Summary);
    }

    [Fact]
    public async Task A_held_voter_retrying_is_held_again_and_bad_network_names_are_refused()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        for (var i = 0; i < Cap; i++)
        {
            await VoteFromAsync("198.51.100.9", poll.PollId, "1");
        }
        var voter = await _server.NewVoterAsync();
        Assert.Equal(VoteOutcome.Held, await VoteFromAsync("198.51.100.9", poll.PollId, "1", voter));
        Assert.Equal(VoteOutcome.Held, await VoteFromAsync("198.51.100.9", poll.PollId, "2", voter));
        await AssertCountsAsync(poll.PollId, one: Cap, two: 0);

        using var bad = await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/networks/not-a-hash/exclude", null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var unknown = await _server.Http.PostAsync("/api/newsroom/polls/999999/networks/0123456789ab/exclude", null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private async Task<VoteOutcome> VoteFromAsync(string ip, string pollId, string optionId, string? voter = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new VoteRequest { OptionIds = [optionId] }),
        };
        request.Headers.Add("X-Forwarded-For", ip);
        request.Headers.Add("X-Voter-Token", voter ?? await _server.NewVoterAsync());
        using var response = await _server.Anonymous.SendAsync(request).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<VoteResult>(PollTestKit.Json))!.Outcome;
    }

    private async Task AssertCountsAsync(string pollId, long one, long two)
    {
        var poll = await _server.GetPollAsNewsroomAsync(pollId);
        Assert.Equal((one, two, one + two), (poll.Count("1"), poll.Count("2"), poll.TotalVoters ?? -1));
    }

    private async Task<PollIntegrity> IntegrityAsync(string pollId) =>
        (await _server.Http.GetFromJsonAsync<PollIntegrity>($"/api/newsroom/polls/{pollId}/integrity", PollTestKit.Json).DefaultTimeout())!;

    private async Task<PollIntegrity> SetNetworkAsync(string pollId, string network, string action)
    {
        using var response = await _server.Http.PostAsync($"/api/newsroom/polls/{pollId}/networks/{network}/{action}", null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PollIntegrity>(PollTestKit.Json))!;
    }
}

public sealed class HeldVoteTestsOnRedis(RedisStoreFixture store) : HeldVoteTests<RedisStoreFixture>(store);

public sealed class HeldVoteTestsOnGarnet(GarnetStoreFixture store) : HeldVoteTests<GarnetStoreFixture>(store);
