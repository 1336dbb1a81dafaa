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
/// Every counted vote leaves an audit record (no raw address in it), and the newsroom's integrity view and exports
/// agree with the counts.
/// </summary>
public abstract class PollIntegrityTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Audit_records_integrity_view_and_exports_agree_with_the_counts_and_keep_no_address()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        // Six votes from one IPv4 address, four from two addresses of one IPv6 /64, one over the hub.
        for (var i = 0; i < 6; i++)
        {
            await VoteFromAsync("203.0.113.61", poll.PollId, "1");
        }
        for (var i = 0; i < 4; i++)
        {
            await VoteFromAsync($"2001:db8:61:1::{i % 2 + 1}", poll.PollId, "2");
        }
        await using (var hub = _server.CreateHubConnection(voterToken: await _server.NewVoterAsync()))
        {
            await hub.StartAsync().DefaultTimeout();
            var result = await hub.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = poll.PollId, OptionIds = ["2"] }).DefaultTimeout();
            Assert.Equal(VoteOutcome.Accepted, result.Outcome);
        }

        // Refusals are tallied too: a retry, and a vote with no voter identity.
        var retryToken = await _server.NewVoterAsync();
        Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, retryToken, "1")).Outcome);
        Assert.Equal(VoteOutcome.AlreadyVoted, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, retryToken, "1")).Outcome);
        Assert.Equal(VoteOutcome.VoterRequired, (await _server.VoteHttpAsync(_server.Anonymous, poll.PollId, null, "1")).Outcome);

        var integrity = (await _server.Http.GetFromJsonAsync<PollIntegrity>($"/api/newsroom/polls/{poll.PollId}/integrity", PollTestKit.Json).DefaultTimeout())!;
        Assert.Equal(12, integrity.TotalVoters);
        Assert.Equal(12, integrity.Records);
        Assert.Equal(0, integrity.Changes);
        Assert.Equal(12, integrity.PerMinute.Sum(m => m.Votes));
        Assert.Equal(3, integrity.Networks);   // the IPv4 address, the /64, and loopback (the hub and the retry voter)
        Assert.Equal(6, integrity.TopNetworks[0].Votes);
        Assert.Equal(6.0 / 12, integrity.TopNetworks[0].Share, 3);
        Assert.Equal(4, integrity.TopNetworks[1].Votes);
        Assert.Equal(11, integrity.ByTransport["http"]);
        Assert.Equal(1, integrity.ByTransport["hub"]);
        Assert.Contains("above 2 %", integrity.Verdict);
        Assert.Equal(12, integrity.Outcomes["Accepted"]);
        Assert.Equal(1, integrity.Outcomes["AlreadyVoted"]);
        await TimeoutExtensions.WaitUntilAsync(async () =>
            (await _server.Http.GetFromJsonAsync<PollIntegrity>($"/api/newsroom/polls/{poll.PollId}/integrity", PollTestKit.Json))!
                .Outcomes.GetValueOrDefault("VoterRequired") == 1, "the refusal without a voter is tallied", TimeSpan.FromSeconds(10));

        // The audit list itself: one record per counted vote, networks only as hashes.
        var redis = _server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var records = await redis.ListRangeAsync(_server.Services.GetRequiredService<RedisKeys>().PollAudit(poll.PollId));
        Assert.Equal(12, records.Length);
        Assert.All(records, r =>
        {
            var text = r.ToString();
            Assert.DoesNotContain("203.0.113", text);
            Assert.DoesNotContain("2001:db8", text);
            Assert.Matches("^[0-9]+ [A-Za-z0-9_-]+ [12]  [0-9a-f]{12}\\|(hub|http) \\S+ c$", text);
        });

        using var results = await _server.Http.GetAsync($"/api/newsroom/polls/{poll.PollId}/export").DefaultTimeout();
        Assert.Equal("text/csv", results.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", results.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal("option_id,option_text,votes,share_of_voters\n1,Option 1,7,0.5833\n2,Option 2,5,0.4167\n_total_voters,,12,1\n",
            await results.Content.ReadAsStringAsync());

        var minutes = await _server.Http.GetStringAsync($"/api/newsroom/polls/{poll.PollId}/export?series=minutes").DefaultTimeout();
        var rows = minutes.Trim().Split('\n');
        Assert.Equal("minute_utc,votes", rows[0]);
        Assert.Equal(12, rows.Skip(1).Sum(r => int.Parse(r.Split(',')[1])));

        using var bad = await _server.Http.GetAsync($"/api/newsroom/polls/{poll.PollId}/export?series=voters").DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var readerTries = await _server.Anonymous.GetAsync($"/api/newsroom/polls/{poll.PollId}/integrity").DefaultTimeout();
        Assert.Equal(HttpStatusCode.Unauthorized, readerTries.StatusCode);
    }

    private async Task VoteFromAsync(string ip, string pollId, string optionId)
    {
        // A fresh voter each time, as a reader (not the exempt load-tool key, whose votes all count as network "exempt");
        // the address comes through X-Forwarded-For.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new VoteRequest { OptionIds = [optionId] }),
        };
        request.Headers.Add("X-Forwarded-For", ip);
        request.Headers.Add("X-Voter-Token", await _server.NewVoterAsync());
        using var response = await _server.Anonymous.SendAsync(request).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class PollIntegrityTestsOnRedis(RedisStoreFixture store) : PollIntegrityTests<RedisStoreFixture>(store);

public sealed class PollIntegrityTestsOnGarnet(GarnetStoreFixture store) : PollIntegrityTests<GarnetStoreFixture>(store);
