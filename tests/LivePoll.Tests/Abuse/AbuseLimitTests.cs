using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LivePoll.Tests.Abuse;

/// <summary>One client's abuse is stopped without hurting the others. Client addresses come through X-Forwarded-For.</summary>
public sealed class AbuseLimitTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private const string FloodIp = "203.0.113.5";
    private const string OtherIp = "203.0.113.6";
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
    {
        ["Limits:VotesPerIpPerMinute"] = "5",
        ["Limits:VotesPerVoterPerMinute"] = "3",
        ["Limits:TipsPerIpPerHour"] = "2",
        ["Limits:TipsPerVoterPerHour"] = "2",
        ["Limits:ConnectionsPerIp"] = "3",
        ["Limits:MaxHubMessageBytes"] = "2048",
        ["Limits:MaxTipBodyBytes"] = "4096",
        ["Limits:AllowedOrigins:0"] = "https://news.example.kz",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Past_the_vote_limit_HTTP_answers_429_and_nothing_more_is_counted_while_another_client_votes_freely()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        var statuses = new List<HttpStatusCode>();
        string? retryAfter = null;
        for (var i = 0; i < 8; i++)
        {
            using var response = await VoteFromAsync(FloodIp, poll.PollId, await _server.NewVoterAsync());
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                retryAfter ??= response.Headers.RetryAfter?.ToString();
                Assert.Contains("Too many votes", await response.Content.ReadAsStringAsync());
            }
            if (i % 2 == 0)
            {
                // Another address, voting within its own allowance all through the flood.
                using var other = await VoteFromAsync(OtherIp, poll.PollId, await _server.NewVoterAsync());
                Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            }
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)), statuses);
        Assert.NotNull(retryAfter);
        Assert.Equal(5 + 4, (await _server.GetPollAsNewsroomAsync(poll.PollId)).TotalVoters);
    }

    [Fact]
    public async Task One_voter_retrying_too_fast_is_limited_per_voter()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        var voter = await _server.NewVoterAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await VoteFromAsync($"203.0.113.{20 + i}", poll.PollId, voter);
            statuses.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Past_the_vote_limit_the_hub_refuses_with_a_clear_error_and_counts_nothing()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        await using var flood = await ConnectFromAsync("203.0.113.40");
        await using var other = await ConnectFromAsync("203.0.113.41");

        var accepted = 0;
        HubException? refused = null;
        for (var i = 0; i < 7; i++)
        {
            try
            {
                accepted += (await flood.VoteHubAsync(poll.PollId, await _server.NewVoterAsync(), "1")).Outcome == VoteOutcome.Accepted ? 1 : 0;
            }
            catch (HubException ex)
            {
                refused = ex;
            }
            if (i % 2 == 0)
            {
                Assert.Equal(VoteOutcome.Accepted, (await other.VoteHubAsync(poll.PollId, await _server.NewVoterAsync(), "2")).Outcome);
            }
        }

        Assert.Equal(5, accepted);
        Assert.Contains("Too many votes", refused!.Message);
        Assert.Equal(HubConnectionState.Connected, flood.State);
        var final = await _server.GetPollAsNewsroomAsync(poll.PollId);
        Assert.Equal([5L, 4L], final.Options.Select(o => o.Count!.Value));
    }

    [Fact]
    public async Task A_hub_message_over_the_size_limit_closes_that_connection_only()
    {
        await using var offender = await ConnectFromAsync("203.0.113.50");
        await using var bystander = await ConnectFromAsync("203.0.113.51");
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        offender.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };

        var oversized = offender.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = new string('x', 10_000), OptionIds = ["1"] });
        await Assert.ThrowsAnyAsync<Exception>(() => oversized).DefaultTimeout();
        await closed.Task.DefaultTimeout();

        Assert.Equal(HubConnectionState.Disconnected, offender.State);
        Assert.Equal(HubConnectionState.Connected, bystander.State);
        Assert.NotNull(await bystander.InvokeAsync<ServerInfo>(HubMethods.GetServerInfo).DefaultTimeout());
    }

    [Fact]
    public async Task Connections_per_address_are_capped_and_the_cap_frees_up_on_disconnect()
    {
        const string ip = "203.0.113.60";
        var open = new List<HubConnection>();
        for (var i = 0; i < 3; i++)
        {
            open.Add(await ConnectFromAsync(ip));
        }
        var fourth = CreateFrom(ip);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => fourth.StartAsync()).DefaultTimeout();
        Assert.Contains("429", error.Message);
        await fourth.DisposeAsync();
        await using (var elsewhere = await ConnectFromAsync("203.0.113.61"))
        {
            Assert.Equal(HubConnectionState.Connected, elsewhere.State);
        }

        await open[0].DisposeAsync();
        await TimeoutExtensions.WaitUntilAsync(async () =>
        {
            var again = CreateFrom(ip);
            try
            {
                await again.StartAsync();
                open[0] = again;
                return true;
            }
            catch (Exception ex) when (ex.Message.Contains("429", StringComparison.Ordinal))
            {
                // Still refused (the server has not yet seen the disconnect): over WebSockets the client reports it as an
                // AggregateException of transport failures, over negotiation as an HttpRequestException.
                await again.DisposeAsync();
                return false;
            }
        }, "a slot frees up after a disconnect");
        foreach (var connection in open)
        {
            await connection.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("https://evil.example", HttpStatusCode.Forbidden)]
    [InlineData("https://news.example.kz", HttpStatusCode.OK)]
    public async Task Hub_requests_from_pages_of_other_origins_are_refused(string origin, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/live/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", origin);
        using var response = await _server.Anonymous.SendAsync(request).DefaultTimeout();
        Assert.Equal(expected, response.StatusCode);

        using var own = new HttpRequestMessage(HttpMethod.Post, "/hubs/live/negotiate?negotiateVersion=1");
        own.Headers.Add("Origin", _server.BaseAddress.GetLeftPart(UriPartial.Authority));
        using var ownResponse = await _server.Anonymous.SendAsync(own).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, ownResponse.StatusCode);
    }

    [Fact]
    public async Task Tips_are_rate_limited_and_an_oversized_tip_is_refused_with_413()
    {
        using var huge = new HttpRequestMessage(HttpMethod.Post, "/api/tips") { Content = JsonContent.Create(new TipInput { Text = new string('a', 8_000) }) };
        huge.Headers.Add("X-Forwarded-For", "203.0.113.70");
        using var hugeResponse = await _server.Anonymous.SendAsync(huge).DefaultTimeout();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, hugeResponse.StatusCode);
        Assert.Equal("application/problem+json", hugeResponse.Content.Headers.ContentType?.MediaType);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var tip = new HttpRequestMessage(HttpMethod.Post, "/api/tips") { Content = JsonContent.Create(new TipInput { Text = $"tip {i}" }) };
            tip.Headers.Add("X-Forwarded-For", "203.0.113.71");
            using var response = await _server.Anonymous.SendAsync(tip).DefaultTimeout();
            statuses.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);

        // One voter (browser cookie or token) is limited across addresses too.
        var voter = await _server.NewVoterAsync();
        var byVoter = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var tip = new HttpRequestMessage(HttpMethod.Post, "/api/tips") { Content = JsonContent.Create(new TipInput { Text = $"voter tip {i}" }) };
            tip.Headers.Add("X-Forwarded-For", $"203.0.113.{90 + i}");
            tip.Headers.Add("X-Voter-Token", voter);
            using var response = await _server.Anonymous.SendAsync(tip).DefaultTimeout();
            byVoter.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], byVoter);
    }

    [Fact]
    public async Task An_exempt_load_tool_key_is_not_limited_while_others_still_are()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        for (var i = 0; i < 10; i++)
        {
            using var request = VoteRequestFrom("203.0.113.80", poll.PollId, await _server.NewVoterAsync());
            using var response = await _server.LoadTool.SendAsync(request).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        for (var i = 0; i < 6; i++)
        {
            using var response = await VoteFromAsync("203.0.113.80", poll.PollId, await _server.NewVoterAsync());
            Assert.Equal(i < 5 ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests, response.StatusCode);
        }
    }

    private Task<HttpResponseMessage> VoteFromAsync(string ip, string pollId, string voter) =>
        _server.Anonymous.SendAsync(VoteRequestFrom(ip, pollId, voter)).DefaultTimeout();

    private static HttpRequestMessage VoteRequestFrom(string ip, string pollId, string voter)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new VoteRequest { OptionIds = ["1"] }),
        };
        request.Headers.Add("X-Forwarded-For", ip);
        request.Headers.Add("X-Voter-Token", voter);
        return request;
    }

    private HubConnection CreateFrom(string ip) => new HubConnectionBuilder()
        .WithUrl(new Uri(_server.BaseAddress, HubPaths.Live), HttpTransportType.WebSockets, o => o.Headers["X-Forwarded-For"] = ip)
        .AddJsonProtocol(o => WireFormats.Configure(o.PayloadSerializerOptions))
        .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Critical))
        .Build();

    private async Task<HubConnection> ConnectFromAsync(string ip)
    {
        var connection = CreateFrom(ip);
        await connection.StartAsync().DefaultTimeout();
        return connection;
    }
}
