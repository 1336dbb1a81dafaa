using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Polls;

/// <summary>
/// A voter identity costs a solved proof-of-work challenge: without one nothing is counted, K solutions give at most
/// K counted votes, and forged, wrong, expired or reused solutions are refused. (The server runs with the default
/// difficulty; the tests solve it by brute force, as a browser does.)
/// </summary>
public abstract class VoterChallengeTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private readonly SettableClock _clock = new();
    private LivePollServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await LivePollServer.StartAsync(store.Configuration, services: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_reader_without_a_voter_solves_the_challenge_gets_the_cookie_votes_and_a_reload_shows_the_vote()
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = _server.BaseAddress };
        var poll = await _server.CreatePollAsync(options: 2);

        using (var first = await browser.GetAsync($"/api/polls/{poll.PollId}").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.False(first.Headers.Contains("Set-Cookie"), "no identity is handed out for nothing");
        }
        var refused = await VoteAsync(browser, poll.PollId, "2");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("\"VoterRequired\"", refused.Body);
        Assert.Contains("voter identity is required", refused.Body);

        var offer = await GetChallengeAsync(browser);
        Assert.False(offer.HasVoter);
        Assert.Equal("SHA-256", offer.Algorithm);
        Assert.Equal(50_000, offer.MaxNumber);
        using (var issued = await browser.PostAsJsonAsync("/api/voters", new NewVoterRequest { Solution = Solve(offer) }, PollTestKit.Json).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
            var cookie = issued.Headers.GetValues("Set-Cookie").Single();
            Assert.Contains("lp_voter=", cookie);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        }
        Assert.True((await GetChallengeAsync(browser)).HasVoter);

        Assert.Equal(HttpStatusCode.OK, (await VoteAsync(browser, poll.PollId, "2")).Status);
        var reloaded = await browser.GetFromJsonAsync<PollSnapshot>($"/api/polls/{poll.PollId}", PollTestKit.Json).DefaultTimeout();
        Assert.Equal(["2"], reloaded!.YourChoices);
    }

    [Fact]
    public async Task Identities_minted_without_solving_count_nothing_and_K_solutions_count_at_most_K_votes()
    {
        var poll = await _server.CreatePollAsync(options: 2);

        // Without a solution: no identity over HTTP, no identity on a cookieless hub connection.
        for (var i = 0; i < 5; i++)
        {
            using var minted = await _server.Anonymous.PostAsync("/api/voters", null).DefaultTimeout();
            Assert.Equal(HttpStatusCode.BadRequest, minted.StatusCode);
            Assert.Contains("ChallengeFailed", await minted.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, (await VoteAsync(_server.Anonymous, poll.PollId, "1")).Status);
        }
        await using (var hub = _server.CreateHubConnection())
        {
            await hub.StartAsync().DefaultTimeout();
            var result = await hub.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = poll.PollId, OptionIds = ["1"] }).DefaultTimeout();
            Assert.Equal(VoteOutcome.VoterRequired, result.Outcome);
        }

        // K solved challenges: K voters, each counted once however often it votes.
        const int K = 3;
        for (var k = 0; k < K; k++)
        {
            var token = await SolveAndIssueAsync(_server.Anonymous);
            Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, token, "1")).Outcome);
            Assert.Equal(VoteOutcome.AlreadyVoted, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, token, "2")).Outcome);
        }
        Assert.Equal(K, (await _server.GetPollAsNewsroomAsync(poll.PollId)).TotalVoters);
    }

    [Fact]
    public async Task Forged_wrong_expired_and_reused_solutions_are_refused_with_the_reason()
    {
        var offer = await GetChallengeAsync(_server.Anonymous);
        var solution = Solve(offer);

        Assert.Equal("Wrong", await RefusedAsync(solution with { Number = (solution.Number + 1) % (offer.MaxNumber + 1) }));
        // A challenge of our own making, signed with a guess.
        var salt = $"00112233445566778899aabb?expires={DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}";
        Assert.Equal("Forged", await RefusedAsync(new ChallengeSolution
        {
            Algorithm = "SHA-256", Salt = salt, Number = 7, Challenge = Hash(salt, 7), Signature = new string('a', 64),
        }));
        Assert.Equal("Malformed", await RefusedAsync(solution with { Algorithm = "MD5" }));

        using (var first = await _server.Anonymous.PostAsJsonAsync("/api/voters", new NewVoterRequest { Solution = solution }, PollTestKit.Json).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }
        Assert.Equal("Reused", await RefusedAsync(solution));

        var late = Solve(await GetChallengeAsync(_server.Anonymous));
        _clock.Set(DateTimeOffset.UtcNow.AddMinutes(11));
        Assert.Equal("Expired", await RefusedAsync(late));
    }

    [Fact]
    public async Task An_exempt_load_tool_key_gets_voters_without_solving()
    {
        using var issued = await _server.LoadTool.PostAsync("/api/voters", null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
    }

    /// <summary>What a browser does: try every number until the hash matches.</summary>
    public static ChallengeSolution Solve(VoterChallenge offer)
    {
        for (var number = 0; number <= offer.MaxNumber; number++)
        {
            if (Hash(offer.Salt, number) == offer.Challenge)
            {
                return new ChallengeSolution
                {
                    Algorithm = offer.Algorithm, Challenge = offer.Challenge, Salt = offer.Salt, Signature = offer.Signature, Number = number,
                };
            }
        }
        throw new InvalidOperationException("The challenge has no solution in its range.");
    }

    private async Task<string> SolveAndIssueAsync(HttpClient client)
    {
        var offer = await GetChallengeAsync(client);
        using var issued = await client.PostAsJsonAsync("/api/voters", new NewVoterRequest { Solution = Solve(offer) }, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        return (await issued.Content.ReadFromJsonAsync<VoterToken>(PollTestKit.Json))!.Token;
    }

    private async Task<string> RefusedAsync(ChallengeSolution solution)
    {
        using var response = await _server.Anonymous.PostAsJsonAsync("/api/voters", new NewVoterRequest { Solution = solution }, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("ChallengeFailed", problem.GetProperty("outcome").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem.GetProperty("reason").GetString()!;
    }

    private static async Task<VoterChallenge> GetChallengeAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<VoterChallenge>("/api/voters/challenge", PollTestKit.Json).DefaultTimeout())!;

    private static async Task<(HttpStatusCode Status, string Body)> VoteAsync(HttpClient client, string pollId, string optionId)
    {
        using var response = await client.PostAsJsonAsync($"/api/polls/{pollId}/votes", new VoteRequest { OptionIds = [optionId] }, PollTestKit.Json).DefaultTimeout();
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Hash(string salt, long number) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + number.ToString(CultureInfo.InvariantCulture))));
}

public sealed class VoterChallengeTestsOnRedis(RedisStoreFixture store) : VoterChallengeTests<RedisStoreFixture>(store);

public sealed class VoterChallengeTestsOnGarnet(GarnetStoreFixture store) : VoterChallengeTests<GarnetStoreFixture>(store);
