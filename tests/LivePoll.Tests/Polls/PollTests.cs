using System.Collections.Concurrent;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Polls;

/// <summary>Votes, live results, visibility and schedules, on each store LivePoll supports.</summary>
public abstract class PollTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_surge_of_repeated_votes_over_hub_and_HTTP_counts_exactly_one_vote_per_voter()
    {
        const int voters = 5_000, attemptsPerVoter = 4;
        var poll = await _server.CreatePollAsync(options: 3);
        var tokens = await Task.WhenAll(Enumerable.Range(0, voters).Select(_ => _server.NewVoterAsync()));
        // The load tool's key: a surge from one address is over the per-IP limits for anyone else.
        var hubs = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            _server.ConnectAsync(i % 2 == 0 ? WireProtocol.Json : WireProtocol.MessagePack, apiKey: LivePollServer.LoadToolKey)));
        var answers = new ConcurrentDictionary<int, ConcurrentBag<VoteResult>>();
        var chosen = new int[voters];
        var random = new Random(42);
        for (var v = 0; v < voters; v++)
        {
            chosen[v] = random.Next(3) + 1;
        }

        // Every attempt of every voter at once (bounded in flight), each voter's attempts split over hub and HTTP.
        using var inFlight = new SemaphoreSlim(256);
        var attempts = Enumerable.Range(0, voters * attemptsPerVoter).Select(async i =>
        {
            var (voter, attempt) = (i % voters, i / voters);
            await inFlight.WaitAsync();
            try
            {
                var option = chosen[voter].ToString(System.Globalization.CultureInfo.InvariantCulture);
                var result = (voter + attempt) % 2 == 0
                    ? await hubs[i % hubs.Length].VoteHubAsync(poll.PollId, tokens[voter], option)
                    : (await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, tokens[voter], option)).Result!;
                answers.GetOrAdd(voter, _ => []).Add(result);
            }
            finally
            {
                inFlight.Release();
            }
        });
        await Task.WhenAll(attempts).DefaultTimeout(TimeSpan.FromMinutes(3));

        for (var v = 0; v < voters; v++)
        {
            var outcomes = answers[v].Select(a => a.Outcome).ToList();
            Assert.Equal(attemptsPerVoter, outcomes.Count);
            Assert.Equal(1, outcomes.Count(o => o == VoteOutcome.Accepted));
            Assert.Equal(attemptsPerVoter - 1, outcomes.Count(o => o == VoteOutcome.AlreadyVoted));
        }
        var final = await _server.GetPollAsNewsroomAsync(poll.PollId);
        Assert.Equal(voters, final.TotalVoters);
        for (var option = 1; option <= 3; option++)
        {
            Assert.Equal(chosen.Count(c => c == option), final.Count(option.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        Assert.Equal(voters, final.Version);
        foreach (var hub in hubs)
        {
            await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_batch_of_votes_is_counted_in_order_as_if_each_vote_were_alone()
    {
        var poll = await _server.CreatePollAsync(options: 3, maxChoices: 2, allowChange: true);
        var store = _server.Services.GetRequiredService<LivePoll.Server.Polls.PollStore>();
        var now = DateTime.UtcNow;
        LivePoll.Server.Polls.BallotRequest Ballot(string voter, params string[] options) => new(voter, options);

        var results = await store.VoteBatchAsync(poll.PollId,
        [
            Ballot("a", "1"),            // counted: version 1
            Ballot("a", "1"),            // the same again: already voted, at version 1
            Ballot("b", "9"),            // no such option
            Ballot("c", "1", "2", "3"),  // more than maxChoices
            Ballot("d", "2", "2"),       // an option twice
            Ballot("e", "_total"),       // a counter is not an option
            Ballot("a", "2", "3"),       // a moves to 2 and 3: version 2
            Ballot("f", "3"),            // counted: version 3
        ], now).DefaultTimeout();

        Assert.Equal(
            [VoteOutcome.Accepted, VoteOutcome.AlreadyVoted, VoteOutcome.UnknownOption, VoteOutcome.InvalidChoiceCount,
             VoteOutcome.UnknownOption, VoteOutcome.UnknownOption, VoteOutcome.Changed, VoteOutcome.Accepted],
            results.Select(r => r.Outcome));
        Assert.Equal([1L, 1L, null, null, null, null, 2L, 3L], results.Select(r => r.Version));
        Assert.Equal(["1"], results[1].Choices!);
        Assert.Equal(["1"], results[6].PreviousChoices!);
        Assert.Equal(["2", "3"], results[6].Choices!);

        var counted = await _server.GetPollAsNewsroomAsync(poll.PollId);
        Assert.Equal((0, 1, 2), (counted.Count("1"), counted.Count("2"), counted.Count("3")));
        Assert.Equal(2, counted.TotalVoters);
        Assert.Equal(3, counted.Version);

        // A closed poll refuses the whole batch and changes nothing.
        using (var closed = await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null).DefaultTimeout())
        {
            closed.EnsureSuccessStatusCode();
        }
        var refused = await store.VoteBatchAsync(poll.PollId, [Ballot("g", "1"), Ballot("a", "1")], now).DefaultTimeout();
        Assert.All(refused, r => Assert.Equal(VoteOutcome.PollClosed, r.Outcome));
        Assert.Equal(4, (await _server.GetPollAsNewsroomAsync(poll.PollId)).Version);
    }

    [Fact]
    public async Task A_subscribed_reader_gets_few_coalesced_snapshots_with_rising_versions_ending_at_the_final_counts()
    {
        const int votes = 5_000;
        var poll = await _server.CreatePollAsync(options: 2);
        var tokens = await Task.WhenAll(Enumerable.Range(0, votes).Select(_ => _server.NewVoterAsync()));
        await using var reader = await _server.ConnectAsync(WireProtocol.MessagePack);
        var recorder = new EventRecorder<PollSnapshot>(reader, ClientEvents.PollSnapshot);
        var initial = await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
        Assert.Equal(0, initial.TotalVoters);
        await using var voter = await _server.ConnectAsync(WireProtocol.MessagePack, apiKey: LivePollServer.LoadToolKey);

        var started = DateTime.UtcNow;
        using var inFlight = new SemaphoreSlim(128);
        await Task.WhenAll(tokens.Select(async (token, i) =>
        {
            await inFlight.WaitAsync();
            try
            {
                Assert.Equal(VoteOutcome.Accepted, (await voter.VoteHubAsync(poll.PollId, token, (i % 2 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))).Outcome);
            }
            finally
            {
                inFlight.Release();
            }
        })).DefaultTimeout(TimeSpan.FromMinutes(2));
        var elapsed = DateTime.UtcNow - started;

        await recorder.WaitForAsync(s => s.TotalVoters == votes, "the reader holds a snapshot with every vote");
        var snapshots = recorder.Events;
        // One snapshot per 100 ms interval, plus slack for timer jitter: far fewer than one per vote.
        var bound = (int)(elapsed.TotalMilliseconds / 100) + 5;
        Assert.InRange(snapshots.Count, 1, bound);
        Assert.True(snapshots.Count < votes / 20, $"{snapshots.Count} snapshots for {votes} votes");
        for (var i = 1; i < snapshots.Count; i++)
        {
            Assert.True(snapshots[i].Version >= snapshots[i - 1].Version, "versions never decrease");
        }
        var last = snapshots[^1];
        var final = await _server.GetPollAsNewsroomAsync(poll.PollId);
        Assert.Equal(final.Version, last.Version);
        Assert.Equal(final.Options.Select(o => o.Count), last.Options.Select(o => o.Count));
    }

    [Fact]
    public async Task Votes_on_a_closed_or_unknown_poll_an_unknown_option_or_with_a_forged_voter_are_refused_and_change_nothing()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        var closed = await _server.CreatePollAsync(options: 2);
        (await _server.Http.PostAsync($"/api/newsroom/polls/{closed.PollId}/close", null).DefaultTimeout()).EnsureSuccessStatusCode();
        var token = await _server.NewVoterAsync();
        var forged = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        var made = "v1." + new string('A', 22) + ".bm90LWEtc2lnbmF0dXJlLWF0LWFsbA";
        await using var hub = await _server.ConnectAsync();

        Assert.Equal((409, VoteOutcome.PollClosed), Pick(await _server.VoteHttpAsync(closed.PollId, token, "1")));
        Assert.Equal((404, VoteOutcome.UnknownPoll), Pick(await _server.VoteHttpAsync("999999", token, "1")));
        Assert.Equal((400, VoteOutcome.UnknownOption), Pick(await _server.VoteHttpAsync(poll.PollId, token, "7")));
        Assert.Equal((400, VoteOutcome.UnknownOption), Pick(await _server.VoteHttpAsync(poll.PollId, token, "_total")));
        Assert.Equal((401, VoteOutcome.InvalidVoter), Pick(await _server.VoteHttpAsync(poll.PollId, forged, "1")));
        Assert.Equal((401, VoteOutcome.InvalidVoter), Pick(await _server.VoteHttpAsync(poll.PollId, made, "1")));

        Assert.Equal(VoteOutcome.PollClosed, (await hub.VoteHubAsync(closed.PollId, token, "1")).Outcome);
        Assert.Equal(VoteOutcome.UnknownPoll, (await hub.VoteHubAsync("999999", token, "1")).Outcome);
        Assert.Equal(VoteOutcome.UnknownOption, (await hub.VoteHubAsync(poll.PollId, token, "7")).Outcome);
        var invalid = await hub.VoteHubAsync(poll.PollId, forged, "1");
        Assert.Equal(VoteOutcome.InvalidVoter, invalid.Outcome);
        Assert.Contains("invalid", invalid.Message);
        var malformed = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = poll.PollId }));
        Assert.Contains("optionIds", malformed.Message);

        foreach (var id in new[] { poll.PollId, closed.PollId })
        {
            var after = await _server.GetPollAsNewsroomAsync(id);
            Assert.Equal(0, after.TotalVoters);
            Assert.All(after.Options, o => Assert.Equal(0, o.Count));
        }
        // The same voter can still vote properly afterwards: nothing was recorded for them.
        Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(poll.PollId, token, "1")).Outcome);
    }

    [Fact]
    public async Task After_vote_results_stay_hidden_from_a_reader_until_they_vote()
    {
        var poll = await _server.CreatePollAsync(options: 2, visibility: ResultVisibility.AfterVote);
        var reader = await _server.NewVoterAsync();
        await using var readerHub = await _server.ConnectAsync(WireProtocol.Json, reader);
        var recorder = new EventRecorder<PollSnapshot>(readerHub, ClientEvents.PollSnapshot);

        var subscribed = await readerHub.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
        AssertHidden(subscribed);
        AssertHidden(await _server.GetPollAsync(poll.PollId, reader));

        // Others vote; the reader is told nothing that carries counts.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(poll.PollId, await _server.NewVoterAsync(), "1")).Outcome);
        }
        var vote = await readerHub.VoteHubAsync(poll.PollId, null, "2");
        Assert.Equal(VoteOutcome.Accepted, vote.Outcome);
        await recorder.WaitForAsync(s => s.ResultsVisible && s.TotalVoters == 6, "the reader sees results after voting");
        // Versions never go back on a connection, so any snapshot the others' votes caused came before this one. The
        // reader's vote is counted before it is accepted: a snapshot with counts either includes it or is a leak.
        Assert.All(recorder.Events.Where(s => !s.ResultsVisible), AssertHidden);
        Assert.All(recorder.Events.Where(s => s.ResultsVisible), s => Assert.Equal(6, s.TotalVoters));
        var seen = await _server.GetPollAsync(poll.PollId, reader);
        Assert.Equal([5L, 1L], seen.Options.Select(o => o.Count!.Value));
        Assert.Equal(["2"], seen.YourChoices);
    }

    [Fact]
    public async Task After_close_results_are_hidden_until_the_poll_closes_and_then_pushed_to_every_subscriber()
    {
        var poll = await _server.CreatePollAsync(options: 2, visibility: ResultVisibility.AfterClose);
        var reader = await _server.NewVoterAsync();
        await using var readerHub = await _server.ConnectAsync(WireProtocol.MessagePack, reader);
        var recorder = new EventRecorder<PollSnapshot>(readerHub, ClientEvents.PollSnapshot);
        AssertHidden(await readerHub.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout());

        Assert.Equal(VoteOutcome.Accepted, (await readerHub.VoteHubAsync(poll.PollId, null, "1")).Outcome);
        Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(poll.PollId, await _server.NewVoterAsync(), "2")).Outcome);
        AssertHidden(await _server.GetPollAsync(poll.PollId, reader));

        (await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null).DefaultTimeout()).EnsureSuccessStatusCode();

        await recorder.WaitForAsync(s => s.State == PollState.Closed && s.ResultsVisible && s.TotalVoters == 2, "the closed poll's results reach the reader");
        // The close is the newest version: every snapshot the votes caused arrived before it, and none showed counts.
        Assert.All(recorder.Events.TakeWhile(s => s.State != PollState.Closed), AssertHidden);
        Assert.Equal(2, (await _server.GetPollAsync(poll.PollId, reader)).TotalVoters);
    }

    [Fact]
    public async Task Newsroom_only_results_never_reach_readers_even_after_closing()
    {
        var poll = await _server.CreatePollAsync(options: 2, visibility: ResultVisibility.NewsroomOnly);
        var reader = await _server.NewVoterAsync();
        await using var readerHub = await _server.ConnectAsync(WireProtocol.Json, reader);
        var recorder = new EventRecorder<PollSnapshot>(readerHub, ClientEvents.PollSnapshot);
        AssertHidden(await readerHub.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout());

        Assert.Equal(VoteOutcome.Accepted, (await readerHub.VoteHubAsync(poll.PollId, null, "1")).Outcome);
        (await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null).DefaultTimeout()).EnsureSuccessStatusCode();
        await recorder.WaitForAsync(s => s.State == PollState.Closed, "the reader learns the poll closed");

        Assert.All(recorder.Events, AssertHidden);
        AssertHidden(await _server.GetPollAsync(poll.PollId, reader));
        Assert.Equal(1, (await _server.GetPollAsNewsroomAsync(poll.PollId)).TotalVoters);
    }

    [Fact]
    public async Task Multiple_choice_respects_its_maximum()
    {
        var poll = await _server.CreatePollAsync(options: 4, maxChoices: 2);
        var token = await _server.NewVoterAsync();

        Assert.Equal(VoteOutcome.InvalidChoiceCount, (await _server.VoteHttpAsync(poll.PollId, token, "1", "2", "3")).Outcome);
        Assert.Equal(VoteOutcome.UnknownOption, (await _server.VoteHttpAsync(poll.PollId, token, "1", "1")).Outcome);
        var accepted = await _server.VoteHttpAsync(poll.PollId, token, "1", "3");
        Assert.Equal(VoteOutcome.Accepted, accepted.Outcome);
        Assert.Equal(["1", "3"], accepted.Result!.Choices);

        var final = await _server.GetPollAsNewsroomAsync(poll.PollId);
        Assert.Equal([1L, 0L, 1L, 0L], final.Options.Select(o => o.Count!.Value));
        Assert.Equal(1, final.TotalVoters);
    }

    [Fact]
    public async Task A_changed_vote_moves_exactly_one_count_even_when_changes_race()
    {
        var poll = await _server.CreatePollAsync(options: 3, allowChange: true);
        var single = await _server.CreatePollAsync(options: 3);
        var tokens = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _server.NewVoterAsync()));
        await using var hub = await _server.ConnectAsync(WireProtocol.MessagePack, apiKey: LivePollServer.LoadToolKey);

        // Each voter fires 10 different choices at once; whatever order they land in, one count per voter.
        var results = await Task.WhenAll(tokens.SelectMany(token => Enumerable.Range(0, 10).Select(i =>
            hub.VoteHubAsync(poll.PollId, token, (i % 3 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)))));

        var final = await _server.GetPollAsNewsroomAsync(poll.PollId);
        Assert.Equal(tokens.Length, final.TotalVoters);
        Assert.Equal(tokens.Length, final.Options.Sum(o => o.Count!.Value));
        Assert.Equal(tokens.Length, results.Count(r => r.Outcome == VoteOutcome.Accepted));
        Assert.Contains(results, r => r.Outcome == VoteOutcome.Changed);

        var change = await _server.VoteHttpAsync(poll.PollId, tokens[0], "3");
        var before = final.Options.ToDictionary(o => o.Id, o => o.Count!.Value);
        var after = (await _server.GetPollAsNewsroomAsync(poll.PollId)).Options.ToDictionary(o => o.Id, o => o.Count!.Value);
        if (change.Outcome == VoteOutcome.Changed)
        {
            var from = change.Result!.PreviousChoices!.Single();
            Assert.Equal(before[from] - 1, after[from]);
            Assert.Equal(before["3"] + 1, after["3"]);
        }
        else
        {
            Assert.Equal(VoteOutcome.AlreadyVoted, change.Outcome);
            Assert.Equal(before, after);
        }

        // Where changing is off (the default), a second choice is refused and counts stay.
        Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(single.PollId, tokens[0], "1")).Outcome);
        var refused = await _server.VoteHttpAsync(single.PollId, tokens[0], "2");
        Assert.Equal(VoteOutcome.AlreadyVoted, refused.Outcome);
        Assert.Equal(["1"], refused.Result!.Choices);
    }

    [Fact]
    public async Task A_scheduled_poll_opens_and_closes_by_itself_on_every_node()
    {
        var prefix = _server.Services.GetRequiredService<LivePoll.Server.Storage.RedisKeys>().Prefix;
        await using var otherNode = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix });
        // The reader subscribes before the opening: the second node and its hub connection are ready first.
        await using var reader = await otherNode.ConnectAsync();
        var recorder = new EventRecorder<PollSnapshot>(reader, ClientEvents.PollSnapshot);
        var token = await _server.NewVoterAsync();
        var now = DateTime.UtcNow;
        var poll = await _server.CreatePollAsync(options: 2, opensAt: now.AddSeconds(3), closesAt: now.AddSeconds(6));
        Assert.Equal(PollState.Scheduled, poll.State);
        Assert.Equal(VoteOutcome.PollClosed, (await _server.VoteHttpAsync(poll.PollId, token, "1")).Outcome);
        var subscribed = await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();

        if (subscribed.State == PollState.Scheduled)
        {
            await recorder.WaitForAsync(s => s.State == PollState.Open, "the poll opens by itself");
        }
        Assert.Equal(VoteOutcome.Accepted, (await otherNode.VoteHttpAsync(poll.PollId, token, "1")).Outcome);
        await recorder.WaitForAsync(s => s.State == PollState.Closed, "the poll closes by itself");
        Assert.True(DateTime.UtcNow >= now.AddSeconds(6));

        Assert.Equal(VoteOutcome.PollClosed, (await _server.VoteHttpAsync(poll.PollId, await _server.NewVoterAsync(), "2")).Outcome);
        Assert.Equal(VoteOutcome.PollClosed, (await otherNode.VoteHttpAsync(poll.PollId, await otherNode.NewVoterAsync(), "2")).Outcome);
        Assert.Equal(1, recorder.Events.Count(s => s.State == PollState.Closed));
        Assert.Equal(1, (await otherNode.GetPollAsNewsroomAsync(poll.PollId)).TotalVoters);
    }

    private static (int, VoteOutcome) Pick((int Status, VoteOutcome Outcome, VoteResult? Result) answer) => (answer.Status, answer.Outcome);

    private static void AssertHidden(PollSnapshot snapshot)
    {
        Assert.False(snapshot.ResultsVisible);
        Assert.Null(snapshot.TotalVoters);
        Assert.All(snapshot.Options, o => Assert.Null(o.Count));
    }
}

public sealed class PollTestsOnRedis(RedisStoreFixture store) : PollTests<RedisStoreFixture>(store);

public sealed class PollTestsOnGarnet(GarnetStoreFixture store) : PollTests<GarnetStoreFixture>(store);

public sealed class RedisClusterPollTests(RedisClusterStoreFixture store) : PollTests<RedisClusterStoreFixture>(store);
