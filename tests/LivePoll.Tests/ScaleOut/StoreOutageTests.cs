using System.Net;
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

/// <summary>
/// Redis goes away during a vote stream and comes back, under two node processes behind nginx: nothing
/// acknowledged is lost, writes say "try again", connections stay up, and everyone resumes without a node restart.
/// </summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task Redis_killed_and_restarted_during_a_vote_stream_loses_no_acknowledged_vote_and_every_client_resumes()
    {
        var redis = await RedisServerProcess.StartAsync(appendOnly: true);
        RedisServerProcess? restarted = null;
        try
        {
            await using var cluster = await Cluster.StartAsync(redis.Configuration);
            var http = cluster.Http;
            var poll = await cluster.CreatePollAsync("Outage?");
            var tokens = new string[1_500];
            await Parallel.ForAsync(0, tokens.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 },
                async (i, _) => tokens[i] = await cluster.NewVoterAsync());

            var readers = new List<(HubConnection Connection, EventRecorder<PollSnapshot> Polls, EventRecorder<FeedEvent> Feed)>();
            for (var i = 0; i < 4; i++)
            {
                var connection = cluster.Client();
                var polls = new EventRecorder<PollSnapshot>(connection, ClientEvents.PollSnapshot);
                var feed = new EventRecorder<FeedEvent>(connection, ClientEvents.FeedEvent);
                await connection.StartAsync().DefaultTimeout();
                await connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
                await connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
                readers.Add((connection, polls, feed));
            }

            // A steady stream of votes through the balancer, each from a new voter, until told to stop.
            long accepted = 0, unavailable = 0, other = 0;
            using var stop = new CancellationTokenSource();
            var next = -1;
            var stream = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested && Interlocked.Increment(ref next) < tokens.Length)
                {
                    using var answer = await cluster.VoteAsync(poll.PollId, tokens[next], "1");
                    var body = await answer.Content.ReadAsStringAsync();
                    if (answer.StatusCode == HttpStatusCode.OK && body.Contains("\"Accepted\"", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref accepted);
                    }
                    else if (answer.StatusCode == HttpStatusCode.ServiceUnavailable && body.Contains("try again", StringComparison.OrdinalIgnoreCase))
                    {
                        Interlocked.Increment(ref unavailable);
                    }
                    else
                    {
                        Interlocked.Increment(ref other);
                    }
                    await Task.Delay(5);
                }
            });

            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref accepted) >= 20), "votes are counted before the outage");
            await redis.KillAsync();
            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref unavailable) >= 3), "votes fail with 'try again' while Redis is down");
            foreach (var node in new[] { cluster.Node1, cluster.Node2 })
            {
                using var notReady = await http.GetAsync(new Uri(node.BaseAddress, "/health/ready")).DefaultTimeout();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            }
            using (var write = await http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "During the outage", Body = "<p>x</p>" }).DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
                Assert.Contains("try again", await write.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            }
            Assert.All(readers, r => Assert.Equal(HubConnectionState.Connected, r.Connection.State));

            // The outage's length is part of the scenario (not a guess at when something happened): Redis stays down 2 s.
            await Task.Delay(TimeSpan.FromSeconds(2));
            restarted = await RedisServerProcess.StartAsync(redis.Port, appendOnly: true, directory: redis.DataDirectory);
            foreach (var node in new[] { cluster.Node1, cluster.Node2 })
            {
                await TimeoutExtensions.WaitUntilAsync(async () =>
                {
                    using var ready = await http.GetAsync(new Uri(node.BaseAddress, "/health/ready"));
                    return ready.StatusCode == HttpStatusCode.OK;
                }, $"{node.Name} is ready again without a restart", TimeSpan.FromSeconds(60));
            }
            var acceptedBefore = Interlocked.Read(ref accepted);
            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref accepted) > acceptedBefore + 20), "votes are counted again");
            await stop.CancelAsync();
            await stream.DefaultTimeout();

            // Every acknowledged vote survived the crash (AOF, appendfsync always); beyond them at most the unanswered ones.
            var final = (await http.GetFromJsonAsync<PollSnapshot>($"/api/newsroom/polls/{poll.PollId}", PollTestKit.Json).DefaultTimeout())!;
            Assert.Equal(0, other);
            Assert.InRange(final.TotalVoters!.Value, accepted, accepted + unavailable);

            // Every client, on both nodes, gets the next live updates: the final count, and a new article.
            using (var published = await http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "After the outage", Body = "<p>y</p>" }).DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            }
            foreach (var (connection, polls, feed) in readers)
            {
                Assert.Equal(HubConnectionState.Connected, connection.State);
                await polls.WaitForAsync(s => s.TotalVoters == final.TotalVoters, "the reader sees the final count");
                await feed.WaitForAsync(e => e.Article.Title == "After the outage", "the reader gets the article published after the outage");
                await connection.DisposeAsync();
            }
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
            await redis.DisposeAsync();
        }
    }
}
