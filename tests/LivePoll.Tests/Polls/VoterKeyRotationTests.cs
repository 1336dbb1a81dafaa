using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Polls;

/// <summary>Voter tokens carry a key id and an expiry: rotating the key keeps every voter, an expired token is refused.</summary>
public abstract class VoterKeyRotationTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private readonly SettableClock _clock = new();
    private LivePollServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await LivePollServer.StartAsync(store.Configuration, services: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task After_a_key_rotation_existing_voters_still_answer_AlreadyVoted_and_their_cookie_is_renewed_with_the_new_key()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        var before = await _server.NewVoterAsync();
        Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, before, "1")).Outcome);

        using (var rotated = await _server.Http.PostAsync("/api/newsroom/voters/rotate-key", null).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
            var body = await rotated.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            var keyId = body.GetProperty("keyId").GetString()!;
            Assert.Equal(2, body.GetProperty("keys").GetArrayLength());
            var after = await _server.NewVoterAsync();
            Assert.Equal(keyId, after.Split('.')[1]);
            Assert.NotEqual(before.Split('.')[1], keyId);
            Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, after, "2")).Outcome);
            Assert.Equal(VoteOutcome.AlreadyVoted, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, before, "2")).Outcome);

            // A browser with a cookie signed by the old key gets the same voter, signed with the new key, on its next page load.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/polls/{poll.PollId}");
            request.Headers.Add("Cookie", $"lp_voter={before}");
            using var page = await _server.Anonymous.SendAsync(request).DefaultTimeout();
            var renewed = page.Headers.GetValues("Set-Cookie").Single();
            Assert.Contains($"lp_voter=v2.{keyId}.{before.Split('.')[2]}.", renewed);
            var snapshot = await page.Content.ReadFromJsonAsync<PollSnapshot>(PollTestKit.Json);
            Assert.Equal(["1"], snapshot!.YourChoices);
        }
        Assert.Equal(2, (await _server.GetPollAsNewsroomAsync(poll.PollId)).TotalVoters);
    }

    [Fact]
    public async Task An_expired_or_forged_token_is_refused()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        var token = await _server.NewVoterAsync();
        var forged = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");
        Assert.Equal(VoteOutcome.InvalidVoter, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, forged, "1")).Outcome);
        var otherKey = token.Replace(token.Split('.')[1], "zzzz");
        Assert.Equal(VoteOutcome.InvalidVoter, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, otherKey, "1")).Outcome);

        _clock.Set(DateTimeOffset.UtcNow.AddDays(366));
        Assert.Equal(VoteOutcome.InvalidVoter, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, token, "1")).Outcome);
        Assert.Equal(0, (await _server.GetPollAsNewsroomAsync(poll.PollId)).TotalVoters);
    }
}

public sealed class VoterKeyRotationTestsOnRedis(RedisStoreFixture store) : VoterKeyRotationTests<RedisStoreFixture>(store);

public sealed class VoterKeyRotationTestsOnGarnet(GarnetStoreFixture store) : VoterKeyRotationTests<GarnetStoreFixture>(store);
