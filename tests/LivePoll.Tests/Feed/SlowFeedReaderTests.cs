using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.Tests.Feed;

/// <summary>
/// A feed reader that stops reading (a frozen tab, a phone that lost its radio with the socket still open) must not
/// hold anyone else up or make the node keep its events forever: once it has more than Feed:MaxQueuedPerConnection
/// events waiting to be written, the node closes its connection (it reconnects and catches up), and every other
/// reader gets every article.
/// </summary>
public sealed class SlowFeedReaderTests(GarnetStoreFixture store) : IClassFixture<GarnetStoreFixture>, IAsyncLifetime
{
    private const int Articles = 60;
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        new Dictionary<string, string?> { ["Feed:MaxQueuedPerConnection"] = "3" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_reader_that_stops_reading_is_disconnected_and_the_others_get_every_article()
    {
        await using var reader = await _server.ConnectAsync();
        var received = new EventRecorder<FeedEvent>(reader, ClientEvents.FeedEvent);
        await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();

        // The frozen reader: a plain WebSocket that subscribes and then reads nothing while the articles are published.
        using var frozen = new ClientWebSocket();
        var hub = new UriBuilder(_server.BaseAddress) { Scheme = "ws", Path = HubPaths.Live }.Uri;
        await frozen.ConnectAsync(hub, CancellationToken.None).DefaultTimeout();
        await SendAsync(frozen, """{"protocol":"json","version":1}""");
        await SendAsync(frozen, $$"""{"type":1,"invocationId":"1","target":"{{HubMethods.SubscribeFeed}}","arguments":[null]}""");
        await WaitForTextAsync(frozen, "\"invocationId\":\"1\"");

        // Events of about 100 KB each: sixty of them are more than the socket buffers and pipes hold, so the node's
        // writes to the frozen reader stop completing and its events queue.
        var body = "<p>" + new string('x', 99_000) + "</p>";
        var published = new List<ArticleView>();
        for (var i = 0; i < Articles; i++)
        {
            using var response = await _server.Http.PostAsJsonAsync("/api/newsroom/articles",
                new ArticleInput { Title = $"Long read {i}", Body = body }, PollTestKit.Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            published.Add((await response.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!);
        }

        await received.WaitForAsync(e => e.Article.Id == published[^1].Id, "the reading reader gets the last article");
        Assert.Equal(published.Select(a => a.Id), received.Events.Select(e => e.Article.Id));

        // The frozen reader, reading at last, finds what its buffers held and then the end of a connection the node
        // closed: fewer articles than were published, and no waiting for more.
        var (events, closed) = await DrainAsync(frozen).DefaultTimeout(TimeSpan.FromSeconds(60));
        Assert.True(closed, "the node closed the frozen reader's connection");
        Assert.InRange(events, 0, Articles - 1);
    }

    private static Task SendAsync(ClientWebSocket socket, string message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message + "\u001e"), WebSocketMessageType.Text, true, CancellationToken.None).DefaultTimeout();

    /// <summary>Reads messages until one contains <paramref name="marker"/> (the handshake's answer comes first).</summary>
    private static async Task WaitForTextAsync(ClientWebSocket socket, string marker)
    {
        var text = new StringBuilder();
        var buffer = new byte[16 * 1024];
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).DefaultTimeout();
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }

    /// <summary>Counts the feed events left to read, until the connection ends (true) or stays silent for 10 s (false).</summary>
    private static async Task<(int Events, bool Closed)> DrainAsync(ClientWebSocket socket)
    {
        var events = 0;
        var buffer = new byte[256 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            using var silence = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            WebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, silence.Token);
            }
            catch (OperationCanceledException)
            {
                return (events, false);
            }
            catch (WebSocketException)
            {
                return (events, true);
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (events, true);
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                var text = Encoding.UTF8.GetString(message.ToArray());
                events += text.Split('\u001e').Count(m => m.Contains($"\"target\":\"{ClientEvents.FeedEvent}\"", StringComparison.Ordinal));
                message.SetLength(0);
            }
        }
    }
}
