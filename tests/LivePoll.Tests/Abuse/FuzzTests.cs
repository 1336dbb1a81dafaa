using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using CsCheck;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.Tests.Abuse;

/// <summary>
/// Thousands of random and malformed requests at the HTTP API and the hub: no 5xx, the server stays up, and
/// no count or feed item changes. Requests go with the load tool's exempt key so the rate limits let them
/// reach the deeper code, and with a screen role so no request may legitimately change anything.
/// </summary>
public sealed class FuzzTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private const int HttpRequests = 8_000, HubInvocations = 2_500, RawFrames = 300;
    private static readonly string[] Ids = ["1", "999", "a1", "t1", "", "x/../y", "%00", "😀", "'; DROP", new string('z', 300), "-1", "yes"];
    private LivePollServer _server = null!;
    private PollSnapshot _poll = null!;

    public async Task InitializeAsync()
    {
        _server = await LivePollServer.StartAsync(store.Configuration);
        _poll = await _server.CreatePollAsync(new CreatePollRequest
        {
            Question = "Fuzz?",
            Options = [new CreatePollOption { Id = "yes", Text = "Yes" }, new CreatePollOption { Id = "no", Text = "No" }],
        });
        // One real vote, so "unchanged" is checked against something other than zero.
        var voter = await _server.NewVoterAsync();
        Assert.Equal(VoteOutcome.Accepted, (await _server.VoteHttpAsync(_poll.PollId, voter, "yes")).Outcome);
        using var article = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Stays", Body = "<p>s</p>" }, PollTestKit.Json);
        article.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Random_and_malformed_requests_get_no_5xx_and_change_nothing()
    {
        var before = await StateAsync();
        var pollId = _poll.PollId;

        // HTTP: real paths with odd ids and queries, every method, bodies that are JSON of the wrong shape,
        // broken JSON, or raw bytes, under several content types.
        var anyId = Gen.OneOf(Gen.OneOfConst(Ids), Gen.Const(pollId), Gen.String[0, 20]);
        var path = Gen.Select(Gen.Int[0, 12], anyId, (route, id) => route switch
        {
            0 => $"/api/polls/{id}",
            1 => $"/api/polls/{id}/votes",
            2 => "/api/voters",
            3 => "/api/feed",
            4 => "/api/feed/events",
            5 => $"/api/articles/{id}",
            6 => "/api/tips",
            7 => "/api/newsroom/polls",
            8 => $"/api/newsroom/polls/{id}/close",
            9 => $"/api/newsroom/articles/{id}/retract",
            10 => "/api/session",
            11 => "/hubs/live/negotiate",
            _ => $"/api/{id}",
        });
        var query = Gen.Select(Gen.OneOfConst("", "limit", "before", "after", "lang", "handled"), Gen.OneOf(Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Gen.String[0, 10]),
            (name, value) => name.Length == 0 ? "" : $"?{name}={Uri.EscapeDataString(value)}");
        var body = Gen.OneOf(
            Json(3).Select(j => Encoding.UTF8.GetBytes(j)),
            Json(3).Select(j => Encoding.UTF8.GetBytes(j[..(j.Length / 2)])),
            Gen.Byte.Array[0, 200],
            Gen.Const(Array.Empty<byte>()));
        var request = Gen.Select(Gen.OneOfConst("GET", "GET", "POST", "POST", "POST", "POST", "PUT", "DELETE", "PATCH"), path, query, body,
            Gen.OneOfConst("application/json", "text/plain", "application/x-www-form-urlencoded", "application/msgpack", ""), Gen.Bool);

        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        await request.SampleAsync(async (method, p, q, bytes, contentType, forgedVoter) =>
        {
            using var message = new HttpRequestMessage(new HttpMethod(method), p + q);
            if (method != "GET")
            {
                message.Content = new ByteArrayContent(bytes);
                if (contentType.Length > 0)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }
            }
            if (forgedVoter)
            {
                message.Headers.Add("X-Voter-Token", "v1.AAAAAAAAAAAAAAAAAAAAAA.forged");
            }
            using var response = await _server.LoadTool.SendAsync(message).DefaultTimeout();
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"{method} {p}{q} answered {(int)response.StatusCode}: {text}");
            Assert.DoesNotContain("   at ", text);
        }, iter: HttpRequests, threads: 4);
        Console.WriteLine("fuzz statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.Equal(HttpRequests, statuses.Values.Sum());
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 4, "the fuzzer reached several kinds of error: " + string.Join(", ", statuses.Keys.Order()));

        // Hub: real and made-up methods with arguments of random shapes; a bad call is a HubException, never a dropped connection.
        await using var hub = await _server.ConnectAsync(WireProtocol.Json, apiKey: LivePollServer.LoadToolKey);
        var invocation = Gen.Select(
            Gen.OneOfConst(HubMethods.Vote, HubMethods.SubscribePoll, HubMethods.UnsubscribePoll, HubMethods.SubscribeFeed,
                HubMethods.JoinNewsroom, HubMethods.GetServerInfo, "Nope", "vote", "Vote "),
            Arg().Array[0, 3]);
        var hubErrors = 0;
        await invocation.SampleAsync(async (method, args) =>
        {
            try
            {
                await hub.InvokeCoreAsync(method, typeof(object), args).DefaultTimeout();
            }
            catch (HubException)
            {
                Interlocked.Increment(ref hubErrors);
            }
            Assert.Equal(HubConnectionState.Connected, hub.State);
        }, iter: HubInvocations, threads: 1);
        Assert.True(hubErrors > 0);

        // Raw frames: a MessagePack handshake followed by garbage; the server drops that socket and goes on.
        var garbage = Gen.Byte.Array[1, 300];
        await garbage.SampleAsync(async bytes =>
        {
            using var socket = new ClientWebSocket();
            var url = new UriBuilder(_server.BaseAddress) { Scheme = "ws", Path = HubPaths.Live }.Uri;
            await socket.ConnectAsync(url, CancellationToken.None).DefaultTimeout();
            await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"messagepack\",\"version\":1}\u001e"), WebSocketMessageType.Binary, true, CancellationToken.None).DefaultTimeout();
            await socket.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None).DefaultTimeout();
            socket.Abort();
        }, iter: RawFrames, threads: 1);

        using var ready = await _server.Http.GetAsync("/health/ready").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(before, await StateAsync());
    }

    private async Task<string> StateAsync()
    {
        var poll = await _server.GetPollAsNewsroomAsync(_poll.PollId);
        var feed = await _server.Http.GetStringAsync("/api/feed?limit=100").DefaultTimeout();
        var page = System.Text.Json.JsonSerializer.Deserialize<FeedPage>(feed, PollTestKit.Json)!;
        return $"{string.Join(",", poll.Options.Select(o => $"{o.Id}={o.Count}"))} total={poll.TotalVoters} v={poll.Version} "
            + $"feed={page.LastSequence}:{string.Join(",", page.Days.SelectMany(d => d.Items).Select(i => i.Id + i.State))}";
    }

    /// <summary>JSON text of random shape: objects with LivePoll's own field names and others, arrays, scalars of every type.</summary>
    private static Gen<string> Json(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.String[0, 30].Where(s => s is not "yes" and not "no").Select(s => System.Text.Json.JsonSerializer.Serialize(s)),
            Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e999"),
            Gen.OneOfConst("true", "false", "null", "\"\"", "[]", "{}"));
        if (depth == 0)
        {
            return scalar;
        }
        var key = Gen.OneOf(Gen.OneOfConst("optionIds", "pollId", "counts", "question", "options", "text", "title", "body", "name", "password",
            "maxChoices", "resultVisibility", "voterToken", "note", "link", "__proto__"), Gen.String[0, 10]);
        var inner = Json(depth - 1);
        return Gen.OneOf(
            scalar,
            inner.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]"),
            Gen.Select(key, inner).Array[0, 5].Select(pairs =>
                "{" + string.Join(",", pairs.Select(p => System.Text.Json.JsonSerializer.Serialize(p.Item1) + ":" + p.Item2)) + "}"));
    }

    /// <summary>A hub argument of random shape.</summary>
    private static Gen<object?> Arg() => Gen.OneOf<object?>(
        Gen.String[0, 40].Where(s => s is not "yes" and not "no").Select(s => (object?)s),
        Gen.Long.Select(l => (object?)l),
        Gen.Bool.Select(b => (object?)b),
        Gen.Const((object?)null),
        Gen.Select(Gen.OneOfConst("pollId", "optionIds", "voterToken", "x"), Gen.String[0, 20]).Array[0, 3]
            .Select(pairs => (object?)pairs.GroupBy(p => p.Item1).ToDictionary(g => g.Key, g => (object?)g.First().Item2)),
        Gen.String[0, 10].Where(s => s is not "yes" and not "no").Array[0, 12].Select(a => (object?)new Dictionary<string, object?> { ["pollId"] = "1", ["optionIds"] = a }));
}
