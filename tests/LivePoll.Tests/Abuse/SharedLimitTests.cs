using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Server.Abuse;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;

namespace LivePoll.Tests.Abuse;

/// <summary>
/// The limits live in the store: a client is its network (an IPv6 /64, an IPv4 address), whatever address of it a
/// request comes from, and sign-ins and voter tokens are limited like votes. Client addresses come through
/// X-Forwarded-For from loopback, a trusted proxy.
/// </summary>
public abstract class SharedLimitTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
    {
        ["Limits:VotesPerIpPerMinute"] = "5",
        ["Limits:VoterTokensPerIpPerHour"] = "3",
        ["Limits:SignInsPerIpPer15Minutes"] = "4",
        ["Limits:SignInFailuresPerNamePer15Minutes"] = "6",
        // The limit on voter tokens is what is tested here, not the proof of work (VoterChallengeTests).
        ["Voters:ChallengeMaxNumber"] = "0",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_thousand_addresses_of_one_IPv6_64_vote_as_one_client_and_the_next_64_is_not_affected()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 1000; i++)
        {
            using var response = await VoteFromAsync($"2001:db8:aa:1::{i:x}", poll.PollId);
            statuses.Add(response.StatusCode);
        }
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(995, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        using (var neighbour = await VoteFromAsync("2001:db8:aa:2::1", poll.PollId))
        {
            Assert.Equal(HttpStatusCode.OK, neighbour.StatusCode);
        }
        // IPv4 clients are single addresses.
        for (var i = 1; i <= 3; i++)
        {
            using var response = await VoteFromAsync($"198.51.100.{i}", poll.PollId);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(5 + 1 + 3, (await _server.GetPollAsNewsroomAsync(poll.PollId)).TotalVoters);
    }

    [Fact]
    public async Task Voter_tokens_are_limited_per_network_with_a_retry_after()
    {
        var statuses = new List<HttpStatusCode>();
        string? body = null;
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/voters");
            request.Headers.Add("X-Forwarded-For", $"2001:db8:bb:1::{i + 1:x}");
            using var response = await _server.Anonymous.SendAsync(request).DefaultTimeout();
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                body ??= await response.Content.ReadAsStringAsync();
            }
        }
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Contains("Too many voter tokens", body);
        Assert.Contains("application/problem+json", await ContentTypeOfVoterTokenFromAsync("2001:db8:bb:1::99"));
    }

    [Fact]
    public async Task Sign_in_attempts_are_limited_per_network_even_with_the_right_password()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add(await SignInFromAsync("203.0.113.77", "guess"));
        }
        statuses.Add(await SignInFromAsync("203.0.113.77", LivePollServer.AccountPassword));
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 4), HttpStatusCode.TooManyRequests], statuses);
        // Another network signs in as usual.
        Assert.Equal(HttpStatusCode.OK, await SignInFromAsync("203.0.113.78", LivePollServer.AccountPassword));
    }

    [Fact]
    public async Task Wrong_passwords_for_one_name_from_many_networks_lock_that_name_and_no_other()
    {
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInFromAsync($"203.0.113.{100 + i / 3}", "guess"));
        }
        // The seventh try, from a third network and with the right password: the name is locked for now.
        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInFromAsync("203.0.113.120", LivePollServer.AccountPassword));
        // Another account signs in as usual, and the server does not say which stack it runs.
        using var client = new HttpClient { BaseAddress = _server.Http.BaseAddress };
        using var screen = await client.PostAsJsonAsync("/api/session", new { name = LivePollServer.ScreenAccount, password = LivePollServer.AccountPassword }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, screen.StatusCode);
        Assert.False(screen.Headers.Contains("Server"));
    }

    [Fact]
    public async Task Fifty_wrong_passwords_from_elsewhere_do_not_keep_the_editor_out_from_the_network_they_sign_in_from()
    {
        // The editor signs in from the newsroom's network as usual.
        Assert.Equal(HttpStatusCode.OK, await SignInFromAsync("198.51.100.20", LivePollServer.AccountPassword));

        // Someone who knows the name tries 50 passwords from 13 other networks (4 each, within each network's allowance).
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 50; i++)
        {
            statuses.Add(await SignInFromAsync($"203.0.113.{150 + i / 4}", "guess"));
        }
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(44, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        // The name is locked against networks it does not sign in from, with the right password too...
        Assert.Equal(HttpStatusCode.TooManyRequests, await SignInFromAsync("203.0.113.250", LivePollServer.AccountPassword));
        // ...but the editor's own network gets in.
        Assert.Equal(HttpStatusCode.OK, await SignInFromAsync("198.51.100.20", LivePollServer.AccountPassword));
    }

    private async Task<HttpResponseMessage> VoteFromAsync(string ip, string pollId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new VoteRequest { OptionIds = ["1"] }),
        };
        request.Headers.Add("X-Forwarded-For", ip);
        request.Headers.Add("X-Voter-Token", await _server.NewVoterAsync());
        return await _server.Anonymous.SendAsync(request).DefaultTimeout();
    }

    private async Task<string> ContentTypeOfVoterTokenFromAsync(string ip)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/voters");
        request.Headers.Add("X-Forwarded-For", ip);
        using var response = await _server.Anonymous.SendAsync(request).DefaultTimeout();
        return response.Content.Headers.ContentType?.ToString() ?? "";
    }

    private async Task<HttpStatusCode> SignInFromAsync(string ip, string password)
    {
        using var client = new HttpClient { BaseAddress = _server.Http.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/session")
        {
            Content = JsonContent.Create(new { name = LivePollServer.EditorAccount, password }),
        };
        request.Headers.Add("X-Forwarded-For", ip);
        using var response = await client.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }
}

public sealed class SharedLimitTestsOnRedis(RedisStoreFixture store) : SharedLimitTests<RedisStoreFixture>(store);

public sealed class SharedLimitTestsOnGarnet(GarnetStoreFixture store) : SharedLimitTests<GarnetStoreFixture>(store);

/// <summary>Which network an address counts as.</summary>
public sealed class AddressPrefixTests
{
    [Theory]
    [InlineData("2001:db8:1:2:3:4:5:6", 64, 32, "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff::1", 48, 32, "2001:db8:1::/48")]
    [InlineData("203.0.113.9", 64, 32, "203.0.113.9/32")]
    [InlineData("203.0.113.9", 64, 24, "203.0.113.0/24")]
    [InlineData("::ffff:203.0.113.9", 64, 32, "203.0.113.9/32")]
    [InlineData("::1", 64, 32, "::/64")]
    public void An_address_counts_as_its_network(string address, int ipv6Bits, int ipv4Bits, string expected) =>
        Assert.Equal(expected, AddressPrefix.Of(IPAddress.Parse(address), ipv4Bits, ipv6Bits));

    [Fact]
    public void No_address_is_one_unknown_client() => Assert.Equal("unknown", AddressPrefix.Of(null, 32, 64));
}
