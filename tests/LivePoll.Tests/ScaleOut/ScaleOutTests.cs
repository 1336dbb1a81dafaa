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

/// <summary>Two LivePoll processes on one real store behind Debian's nginx with deploy/nginx.conf act as one service.</summary>
public abstract class ScaleOutTests<TStore>(TStore store) : IClassFixture<TStore> where TStore : class, IStoreFixture
{
    [Fact]
    public async Task A_photo_uploaded_through_the_balancer_to_one_node_is_served_by_the_other_from_the_shared_media_folder()
    {
        var media = Directory.CreateTempSubdirectory("livepoll-shared-media-");
        await using var removeMedia = new DeleteOnDispose(media);
        await using var cluster = await Cluster.StartAsync(store.Configuration, new Dictionary<string, string> { ["Media__Directory"] = media.FullName });
        // A detailed photo of more than a megabyte: more than nginx takes in a request by default.
        var photo = TestPhotos.NoisyJpeg(1600, 1200);
        Assert.True(photo.Length > 1_100_000, $"{photo.Length} bytes");
        var (status, item) = await Media.MediaUploadTests.UploadAsync(cluster.Http, photo, "big.jpg", "image/jpeg");
        Assert.Equal(System.Net.HttpStatusCode.Created, status);

        foreach (var node in new[] { cluster.Node1, cluster.Node2 })
        {
            using var direct = new HttpClient { BaseAddress = node.BaseAddress };
            foreach (var rendition in item!.Renditions)
            {
                Assert.Equal(rendition.Bytes, (await direct.GetByteArrayAsync(rendition.Url).DefaultTimeout()).Length);
            }
            direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LivePollServer.EditorKey);
            Assert.Equal(item.Id, (await direct.GetFromJsonAsync<MediaItem>($"/api/newsroom/media/{item.Id}", PollTestKit.Json).DefaultTimeout())!.Id);
        }
    }

    [Fact]
    public async Task Readers_through_nginx_on_both_nodes_receive_each_others_votes_articles_and_tips()
    {
        await using var cluster = await Cluster.StartAsync(store.Configuration);
        var http = cluster.Http;
        var poll = await cluster.CreatePollAsync("Scale?");

        // Readers and screens through the balancer land on both nodes (WebSockets, negotiation skipped).
        var readers = new List<(HubConnection Connection, EventRecorder<PollSnapshot> Polls, EventRecorder<FeedEvent> Feed, string Node)>();
        var screens = new List<(HubConnection Connection, EventRecorder<Tip> Tips, string Node)>();
        for (var i = 0; i < 4; i++)
        {
            var reader = cluster.Client();
            await reader.StartAsync().DefaultTimeout();
            var polls = new EventRecorder<PollSnapshot>(reader, ClientEvents.PollSnapshot);
            var feed = new EventRecorder<FeedEvent>(reader, ClientEvents.FeedEvent);
            await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
            await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
            readers.Add((reader, polls, feed, (await reader.InvokeAsync<ServerInfo>(HubMethods.GetServerInfo).DefaultTimeout()).Node));

            var screen = cluster.Client(LivePollServer.ScreenKey);
            await screen.StartAsync().DefaultTimeout();
            var tips = new EventRecorder<Tip>(screen, ClientEvents.TipReceived);
            await screen.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom).DefaultTimeout();
            screens.Add((screen, tips, (await screen.InvokeAsync<ServerInfo>(HubMethods.GetServerInfo).DefaultTimeout()).Node));
        }
        Assert.Equal(["node-a", "node-b"], readers.Select(r => r.Node).Distinct().Order());
        Assert.Equal(["node-a", "node-b"], screens.Select(s => s.Node).Distinct().Order());

        // Votes, articles and a tip through the balancer, spread over both nodes.
        const int votes = 40;
        for (var i = 0; i < votes; i++)
        {
            using var answer = await cluster.VoteAsync(poll.PollId, await cluster.NewVoterAsync(), (i % 2 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).DefaultTimeout();
            answer.EnsureSuccessStatusCode();
        }
        var articles = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var published = await http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = $"Across nodes {i}", Body = "<p>x</p>" }, PollTestKit.Json).DefaultTimeout();
            articles.Add((await published.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!.Id);
        }
        using (var tip = await http.PostAsJsonAsync("/api/tips", new TipInput { Text = "A tip for every screen" }).DefaultTimeout())
        {
            tip.EnsureSuccessStatusCode();
        }

        foreach (var (_, polls, feed, node) in readers)
        {
            await polls.WaitForAsync(s => s.TotalVoters == votes, $"the reader on {node} sees all {votes} votes");
            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(articles.All(id => feed.Events.Any(e => e.Article.Id == id))), $"the reader on {node} gets every article");
            Assert.Equal(articles.Count, feed.Events.Count);
        }
        foreach (var (_, tips, node) in screens)
        {
            await tips.WaitForAsync(t => t.Text == "A tip for every screen", $"the screen on {node} gets the tip");
        }

        foreach (var connection in readers.Select(r => r.Connection).Concat(screens.Select(s => s.Connection)))
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_surge_spread_over_two_node_processes_counts_every_acknowledged_vote_once()
    {
        await using var cluster = await Cluster.StartAsync(store.Configuration);
        using var target = new LivePoll.LoadTests.Scenarios.Target([cluster.Node1.BaseAddress, cluster.Node2.BaseAddress], LivePollServer.EditorKey,
            LivePoll.LoadTests.Scenarios.Protocol.MessagePack);

        var report = await new LivePoll.LoadTests.Scenarios.SurgeScenario(target, new LivePoll.LoadTests.Scenarios.SurgeOptions
        {
            Readers = 20,
            Voters = 1_000,
            Profile = new LivePoll.LoadTests.Measurement.RateProfile(500, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(0.5)),
            VoteConnections = 4,
        }, new LivePoll.LoadTests.Reporting.SilentProgress()).RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(2));

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
        Assert.Equal(report.Sent, report.Acknowledged);
        Assert.True(report.VoteToReaderLatency!.Count > 0, "readers on both nodes saw the votes of both");
    }
}

public sealed class ScaleOutTestsOnRedis(RedisStoreFixture store) : ScaleOutTests<RedisStoreFixture>(store);

/// <summary>The same on a Redis Cluster of 3 primaries and 3 replicas: the nodes are given every cluster node as a seed.</summary>
public sealed class RedisClusterScaleOutTests(RedisClusterStoreFixture store) : ScaleOutTests<RedisClusterStoreFixture>(store);
