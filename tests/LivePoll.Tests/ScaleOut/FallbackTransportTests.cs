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
/// Readers behind proxies that refuse WebSockets negotiate and use Server-Sent Events or long polling. Through nginx with
/// deploy/nginx.conf in front of two node processes, such clients (SignalR's .NET client, as the pages do: SSE with JSON,
/// long polling with MessagePack; with the pages' ?route= and without, sticky then by address) stay on one node, get
/// every snapshot with versions that never go back, vote over the hub, and catch the feed up after a reconnect.
/// </summary>
public sealed class FallbackTransportTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task Server_sent_events_and_long_polling_clients_behind_nginx_get_votes_vote_and_catch_up_the_feed()
    {
        await using var cluster = await Cluster.StartAsync(store.Configuration);
        var poll = await cluster.CreatePollAsync("Behind a proxy?");

        var readers = new List<Reader>();
        foreach (var transport in new[] { HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling })
        {
            // One kept on a node by its address, then readers with a route of their own (as the pages connect) until
            // this transport has at least three and both nodes serve one: a random route lands on either node, so
            // the loop is bounded by how unlucky the hashing can be, not by a guess.
            var ofTransport = new List<Reader> { await ConnectReaderAsync(cluster, transport, null, poll.PollId) };
            for (var attempt = 0; attempt < 32 && (ofTransport.Count < 3 || ofTransport.Select(r => r.Node).Distinct().Count() < 2); attempt++)
            {
                ofTransport.Add(await ConnectReaderAsync(cluster, transport, Guid.NewGuid().ToString("N"), poll.PollId));
            }
            Assert.Equal(["node-a", "node-b"], ofTransport.Select(r => r.Node).Distinct().Order());
            readers.AddRange(ofTransport);
        }

        // Votes through the balancer (both nodes) and one over each reader's own connection.
        const int httpVotes = 30;
        for (var i = 0; i < httpVotes; i++)
        {
            using var answer = await cluster.VoteAsync(poll.PollId, await cluster.NewVoterAsync(), (i % 2 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)).DefaultTimeout();
            answer.EnsureSuccessStatusCode();
        }
        foreach (var reader in readers)
        {
            var result = await reader.Connection.InvokeAsync<VoteResult>(HubMethods.Vote,
                new VoteRequest { PollId = poll.PollId, OptionIds = ["1"], VoterToken = await cluster.NewVoterAsync() }).DefaultTimeout();
            Assert.Equal(VoteOutcome.Accepted, result.Outcome);
        }
        var total = httpVotes + readers.Count;
        foreach (var reader in readers)
        {
            await reader.Polls.WaitForAsync(s => s.TotalVoters == total, $"the {reader.Transport} reader on {reader.Node} sees all {total} votes");
            var versions = reader.Polls.Events.Where(s => s.PollId == poll.PollId).Select(s => s.Version).ToList();
            Assert.True(versions.SequenceEqual(versions.Order()), $"{reader.Transport} on {reader.Node}: versions went back: {string.Join(",", versions)}");
        }

        // A reconnect: what was published meanwhile comes in the catch-up, on whichever node the new connection lands.
        var first = await PublishAsync(cluster, "Before the drop");
        foreach (var reader in readers)
        {
            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(reader.Feed.Events.Any(e => e.Article.Id == first.Id)), $"the {reader.Transport} reader gets the article live");
        }
        var lastSeen = readers.ToDictionary(r => r, r => r.Feed.Events.Max(e => e.Sequence));
        foreach (var reader in readers)
        {
            await reader.Connection.DisposeAsync();
        }
        var missed = new[] { await PublishAsync(cluster, "While away 1"), await PublishAsync(cluster, "While away 2") };
        foreach (var (reader, since) in lastSeen)
        {
            await using var again = Connect(cluster, reader.Transport, Guid.NewGuid().ToString("N"));
            await again.StartAsync().DefaultTimeout();
            var catchUp = await again.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)since).DefaultTimeout();
            Assert.Equal(missed.Select(a => a.Id), catchUp.Events.Select(e => e.Article.Id));
        }
    }

    private static async Task<Reader> ConnectReaderAsync(Cluster cluster, HttpTransportType transport, string? route, string pollId)
    {
        var reader = new Reader(Connect(cluster, transport, route), transport);
        await reader.Connection.StartAsync().DefaultTimeout();
        await reader.Connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, pollId).DefaultTimeout();
        await reader.Connection.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
        reader.Node = (await reader.Connection.InvokeAsync<ServerInfo>(HubMethods.GetServerInfo).DefaultTimeout()).Node;
        return reader;
    }

    private static HubConnection Connect(Cluster cluster, HttpTransportType transport, string? route)
    {
        var url = new Uri(cluster.Nginx.BaseAddress, HubPaths.Live + (route is null ? "" : "?route=" + route));
        var builder = new HubConnectionBuilder()
            .WithUrl(url, transport)
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Critical));
        // Server-Sent Events carry text only: JSON there, MessagePack on long polling (as the pages do).
        if (transport == HttpTransportType.LongPolling)
        {
            builder.AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack);
        }
        else
        {
            builder.AddJsonProtocol(o => WireFormats.Configure(o.PayloadSerializerOptions));
        }
        return builder.Build();
    }

    private static async Task<ArticleView> PublishAsync(Cluster cluster, string title)
    {
        using var published = await cluster.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = title, Body = "<p>x</p>" }, PollTestKit.Json).DefaultTimeout();
        published.EnsureSuccessStatusCode();
        return (await published.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
    }

    private sealed class Reader(HubConnection connection, HttpTransportType transport)
    {
        public HubConnection Connection { get; } = connection;

        public HttpTransportType Transport { get; } = transport;

        public EventRecorder<PollSnapshot> Polls { get; } = new(connection, ClientEvents.PollSnapshot);

        public EventRecorder<FeedEvent> Feed { get; } = new(connection, ClientEvents.FeedEvent);

        public string Node { get; set; } = "";
    }
}
