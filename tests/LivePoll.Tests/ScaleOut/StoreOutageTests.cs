using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.Tests.ScaleOut;

/// <summary>Redis goes away during a vote stream and comes back: nothing acknowledged is lost, and everyone resumes.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task Redis_killed_and_restarted_during_a_vote_stream_loses_no_acknowledged_vote_and_every_client_resumes()
    {
        var redis = await RedisServerProcess.StartAsync(appendOnly: true);
        RedisServerProcess? restarted = null;
        try
        {
            await using var server = await LivePollServer.StartAsync(redis.Configuration, new Dictionary<string, string?>
            {
                ["Redis:CommandTimeoutMs"] = "1000",
                ["Feed:RelayPollMs"] = "200",
            });
            var poll = await server.CreatePollAsync(options: 2);
            var tokens = await Task.WhenAll(Enumerable.Range(0, 3_000).Select(_ => server.NewVoterAsync()));
            var readers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => server.ConnectAsync(WireProtocol.MessagePack)));
            var snapshots = readers.Select(r => new EventRecorder<PollSnapshot>(r, ClientEvents.PollSnapshot)).ToList();
            var feeds = readers.Select(r => new EventRecorder<FeedEvent>(r, ClientEvents.FeedEvent)).ToList();
            foreach (var reader in readers)
            {
                await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
                await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
            }

            // A steady stream of votes, each from a new voter, until told to stop.
            long accepted = 0, unavailable = 0, other = 0;
            var messages = new System.Collections.Concurrent.ConcurrentBag<string>();
            using var stop = new CancellationTokenSource();
            var next = -1;
            var stream = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested && Interlocked.Increment(ref next) < tokens.Length)
                {
                    var (status, outcome, _) = await server.VoteHttpAsync(server.LoadTool, poll.PollId, tokens[next], "1");
                    switch (outcome)
                    {
                        case VoteOutcome.Accepted:
                            Interlocked.Increment(ref accepted);
                            break;
                        case VoteOutcome.StoreUnavailable:
                            Assert.Equal(503, status);
                            Interlocked.Increment(ref unavailable);
                            break;
                        default:
                            Interlocked.Increment(ref other);
                            break;
                    }
                    await Task.Delay(5);
                }
            });

            await Task.Delay(1_000);
            await redis.KillAsync();
            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref unavailable) >= 3), "votes fail with StoreUnavailable while Redis is down");
            using (var notReady = await server.Http.GetAsync("/health/ready").DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            }
            using (var write = await server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "During the outage", Body = "<p>x</p>" }).DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
                Assert.Contains("try again", await write.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            }
            Assert.All(readers, r => Assert.Equal(HubConnectionState.Connected, r.State));

            restarted = await RedisServerProcess.StartAsync(redis.Port, appendOnly: true, directory: redis.DataDirectory);
            await TimeoutExtensions.WaitUntilAsync(async () =>
            {
                using var ready = await server.Http.GetAsync("/health/ready");
                return ready.StatusCode == HttpStatusCode.OK;
            }, "the server is ready again without a restart", TimeSpan.FromSeconds(60));
            var acceptedBefore = Interlocked.Read(ref accepted);
            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref accepted) > acceptedBefore + 20), "votes are counted again");
            await stop.CancelAsync();
            await stream.DefaultTimeout();

            // Every acknowledged vote survived the crash (AOF, appendfsync always); at most the unanswered ones beyond.
            var final = await server.GetPollAsNewsroomAsync(poll.PollId);
            Assert.Equal(0, other);
            Assert.InRange(final.TotalVoters!.Value, accepted, accepted + unavailable);
            Assert.Equal(final.TotalVoters, final.Count("1"));

            // Every client gets the next live updates: a snapshot with the final count, and a new article.
            using (var published = await server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "After the outage", Body = "<p>y</p>" }).DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            }
            for (var i = 0; i < readers.Length; i++)
            {
                Assert.Equal(HubConnectionState.Connected, readers[i].State);
                await snapshots[i].WaitForAsync(s => s.TotalVoters == final.TotalVoters, "the reader sees the final count");
                await feeds[i].WaitForAsync(e => e.Article.Title == "After the outage", "the reader gets the article published after the outage");
            }
            foreach (var reader in readers)
            {
                await reader.DisposeAsync();
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
