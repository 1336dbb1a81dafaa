using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.Polls;

/// <summary>
/// Rotating the configured voter key (Voters:SigningKey, the old one moved to PreviousSigningKeys) in the middle of a poll
/// changes nothing about its networks: each keeps its audit hash, so the integrity view shows one network, not two, and
/// the per-network cap counts on from where it was.
/// </summary>
public abstract class VoterKeyContinuityTests<TStore>(TStore store) : IClassFixture<TStore>
    where TStore : class, IStoreFixture
{
    private const int Cap = 3;

    [Fact]
    public async Task Rotating_the_configured_signing_key_mid_poll_keeps_each_networks_hash_and_its_cap()
    {
        var prefix = TestPrefix.New();
        var first = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var second = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string pollId;
        string crowd;
        await using (var before = await StartAsync(prefix, new() { ["Voters:SigningKey"] = first }))
        {
            pollId = (await before.CreatePollAsync(options: 2)).PollId;
            Assert.Equal(VoteOutcome.Accepted, await VoteFromAsync(before, "198.51.100.70", pollId));
            Assert.Equal(VoteOutcome.Accepted, await VoteFromAsync(before, "198.51.100.70", pollId));
            Assert.Equal(VoteOutcome.Accepted, await VoteFromAsync(before, "198.51.100.71", pollId));
            var integrity = await IntegrityAsync(before, pollId);
            Assert.Equal(2, integrity.Networks);
            crowd = integrity.TopNetworks[0].Network;
        }

        // The operator rotates the key as the README says: a new SigningKey, the old one kept to check earlier tokens.
        await using var after = await StartAsync(prefix, new() { ["Voters:SigningKey"] = second, ["Voters:PreviousSigningKeys:0"] = first });
        Assert.Equal(VoteOutcome.Accepted, await VoteFromAsync(after, "198.51.100.70", pollId));
        Assert.Equal(VoteOutcome.Held, await VoteFromAsync(after, "198.51.100.70", pollId));
        var carried = await IntegrityAsync(after, pollId);
        Assert.Equal(2, carried.Networks);
        Assert.Equal(crowd, carried.TopNetworks[0].Network);
        Assert.Equal(Cap + 1, carried.TopNetworks[0].Votes);
        Assert.Equal(4, carried.TotalVoters);
        Assert.Equal(1, carried.Held);

        // A challenge issued before another rotation of the configured key still verifies after it.
        var challenge = await after.Anonymous.GetFromJsonAsync<VoterChallenge>("/api/voters/challenge", PollTestKit.Json).DefaultTimeout();
        await using var third = await StartAsync(prefix, new() { ["Voters:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });
        using var solved = await third.Anonymous.PostAsJsonAsync("/api/voters", new NewVoterRequest { Solution = VoterChallengeTests<TStore>.Solve(challenge!) }, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, solved.StatusCode);
    }

    private Task<LivePollServer> StartAsync(string prefix, Dictionary<string, string?> settings) =>
        LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>(settings)
        {
            ["Redis:KeyPrefix"] = prefix,
            ["Limits:VotesPerNetworkPerPoll"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    private static async Task<VoteOutcome> VoteFromAsync(LivePollServer server, string ip, string pollId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new VoteRequest { OptionIds = ["1"] }),
        };
        request.Headers.Add("X-Forwarded-For", ip);
        request.Headers.Add("X-Voter-Token", await server.NewVoterAsync());
        using var response = await server.Anonymous.SendAsync(request).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<VoteResult>(PollTestKit.Json))!.Outcome;
    }

    private static async Task<PollIntegrity> IntegrityAsync(LivePollServer server, string pollId) =>
        (await server.Http.GetFromJsonAsync<PollIntegrity>($"/api/newsroom/polls/{pollId}/integrity", PollTestKit.Json).DefaultTimeout())!;
}

public sealed class VoterKeyContinuityTestsOnRedis(RedisStoreFixture store) : VoterKeyContinuityTests<RedisStoreFixture>(store);

public sealed class VoterKeyContinuityTestsOnGarnet(GarnetStoreFixture store) : VoterKeyContinuityTests<GarnetStoreFixture>(store);
