using System.Net.Http.Headers;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LivePoll.Tests.ScaleOut;

/// <summary>A node dies (kill -9) during a vote stream behind nginx: its readers come back through the balancer.</summary>
public sealed class NodeFailureTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task Killing_a_node_during_a_vote_stream_loses_no_acknowledged_vote_and_its_readers_resume_on_the_other()
    {
        await using var cluster = await Cluster.StartAsync(store.Configuration);
        var http = cluster.Http;
        var poll = await cluster.CreatePollAsync("Survive?");

        var readers = new List<(HubConnection Connection, EventRecorder<PollSnapshot> Polls, EventRecorder<FeedEvent> Feed, string Node)>();
        for (var i = 0; i < 4; i++)
        {
            var connection = cluster.Client(reconnectDelays: [TimeSpan.FromMilliseconds(Random.Shared.Next(100, 500)), TimeSpan.FromSeconds(1),
                TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)]);
            var polls = new EventRecorder<PollSnapshot>(connection, ClientEvents.PollSnapshot);
            var feed = new EventRecorder<FeedEvent>(connection, ClientEvents.FeedEvent);
            long lastSequence = 0;
            connection.On<FeedEvent>(ClientEvents.FeedEvent, e => Interlocked.Exchange(ref lastSequence, e.Sequence));
            // After a reconnect, a page resubscribes and catches up; so does this reader.
            connection.Reconnected += async _ =>
            {
                await connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId);
                await connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)Interlocked.Read(ref lastSequence));
            };
            await connection.StartAsync().DefaultTimeout();
            await connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
            lastSequence = (await connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout()).LastSequence;
            readers.Add((connection, polls, feed, (await connection.InvokeAsync<ServerInfo>(HubMethods.GetServerInfo).DefaultTimeout()).Node));
        }
        Assert.Contains(readers, r => r.Node == "node-a");

        // Votes through the balancer, each from a new voter; the answers say which were acknowledged.
        long accepted = 0, unanswered = 0;
        var voters = 0;
        async Task VoteAsync()
        {
            string voter;
            try
            {
                voter = await cluster.NewVoterAsync();
            }
            catch (HttpRequestException)
            {
                return;
            }
            Interlocked.Increment(ref voters);
            try
            {
                using var answer = await cluster.VoteAsync(poll.PollId, voter, "1");
                var body = await answer.Content.ReadAsStringAsync();
                if (answer.IsSuccessStatusCode && body.Contains("\"Accepted\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    Interlocked.Increment(ref unanswered);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref unanswered);
            }
        }
        using var stop = new CancellationTokenSource();
        var streams = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 2_000 && !stop.IsCancellationRequested; i++)
            {
                await VoteAsync();
            }
        })).ToList();

        // The kill lands mid-surge, and the surge goes on until the surviving node has taken votes of its own.
        await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref accepted) >= 60), "votes are acknowledged before the kill");
        await cluster.Node1.KillAsync();
        var atKill = Volatile.Read(ref accepted);
        await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref accepted) >= atKill + 50), "the surviving node acknowledges votes after the kill");
        await stop.CancelAsync();
        await Task.WhenAll(streams).DefaultTimeout();

        var final = (await http.GetFromJsonAsync<PollSnapshot>($"/api/newsroom/polls/{poll.PollId}", PollTestKit.Json).DefaultTimeout())!;
        Assert.True(accepted > 50, $"only {accepted} votes were acknowledged");
        Assert.InRange(final.TotalVoters!.Value, accepted, accepted + unanswered);

        // Every reader, those of the dead node included, is live again on the surviving node.
        using (var published = await http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "After the crash", Body = "<p>z</p>" }, PollTestKit.Json).DefaultTimeout())
        {
            published.EnsureSuccessStatusCode();
        }
        await VoteAsync();
        var total = (await http.GetFromJsonAsync<PollSnapshot>($"/api/newsroom/polls/{poll.PollId}", PollTestKit.Json).DefaultTimeout())!.TotalVoters;
        foreach (var (connection, polls, feed, node) in readers)
        {
            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(connection.State == HubConnectionState.Connected), $"the reader first on {node} is connected", TimeSpan.FromSeconds(45));
            Assert.Equal("node-b", (await connection.InvokeAsync<ServerInfo>(HubMethods.GetServerInfo).DefaultTimeout()).Node);
            await polls.WaitForAsync(s => s.TotalVoters >= total, $"the reader first on {node} gets live counts again");
            await feed.WaitForAsync(e => e.Article.Title == "After the crash", $"the reader first on {node} gets the next article");
            await connection.DisposeAsync();
        }
    }
}
