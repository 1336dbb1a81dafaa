using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.Tests.Tips;

/// <summary>Readers' tips reach the newsroom, and only the newsroom.</summary>
public abstract class TipTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_tip_reaches_newsroom_connections_and_not_a_reader_connection()
    {
        await using var editor = await _server.ConnectAsync(WireProtocol.MessagePack, apiKey: LivePollServer.EditorKey);
        await using var screen = await _server.ConnectAsync(WireProtocol.Json, apiKey: LivePollServer.ScreenKey);
        await using var reader = await _server.ConnectAsync();
        var toEditor = Recorder(editor);
        var toScreen = Recorder(screen);
        var toReader = Recorder(reader);
        await editor.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom).DefaultTimeout();
        await screen.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom).DefaultTimeout();
        var refused = await Assert.ThrowsAsync<HubException>(() => reader.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom)).DefaultTimeout();
        Assert.Contains("unauthorized", refused.Message, StringComparison.OrdinalIgnoreCase);
        await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();

        using var sent = await _server.Anonymous.PostAsJsonAsync("/api/tips",
            new TipInput { Text = "Көшеде су құбыры жарылды", Name = "Айгүл", Contact = "+7 700 000 0000", CreditConsent = true }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var receipt = await sent.Content.ReadFromJsonAsync<TipReceipt>(PollTestKit.Json);

        await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(toEditor.Count == 1 && toScreen.Count == 1), "the tip reaches both newsroom connections");
        Assert.Equal(receipt!.Id, toEditor.Single().Id);
        Assert.Equal("+7 700 000 0000", toScreen.Single().Contact);
        // A fence: an article published after the tip reached the newsroom reaches the reader after anything sent to it before.
        var feed = new EventRecorder<FeedEvent>(reader, ClientEvents.FeedEvent);
        (await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Fence", Body = "<p>f</p>" }, PollTestKit.Json).DefaultTimeout()).EnsureSuccessStatusCode();
        await feed.WaitForAsync(e => e.Article.Title == "Fence", "the later article reaches the reader");
        Assert.Empty(toReader);
    }

    [Fact]
    public async Task Tips_are_never_visible_to_readers_and_screens_cannot_change_them()
    {
        using var sent = await _server.Anonymous.PostAsJsonAsync("/api/tips", new TipInput { Text = "Secret tip", Contact = "me@example.kz" }).DefaultTimeout();
        var receipt = await sent.Content.ReadFromJsonAsync<TipReceipt>(PollTestKit.Json);

        using (var anonymous = await _server.Anonymous.GetAsync("/api/newsroom/tips").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.DoesNotContain("Secret tip", await anonymous.Content.ReadAsStringAsync());
        }
        var forScreen = await _server.Screen.GetFromJsonAsync<List<Tip>>("/api/newsroom/tips?handled=false", PollTestKit.Json).DefaultTimeout();
        Assert.Contains(forScreen!, t => t.Id == receipt!.Id);
        using (var screenChange = await _server.Screen.PostAsync($"/api/newsroom/tips/{receipt!.Id}/handled", null).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Forbidden, screenChange.StatusCode);
        }

        (await _server.Http.PostAsync($"/api/newsroom/tips/{receipt.Id}/handled", null).DefaultTimeout()).EnsureSuccessStatusCode();
        var inbox = await _server.Http.GetFromJsonAsync<List<Tip>>("/api/newsroom/tips?handled=false", PollTestKit.Json).DefaultTimeout();
        Assert.DoesNotContain(inbox!, t => t.Id == receipt.Id);
    }

    [Fact]
    public async Task A_promoted_tip_becomes_a_draft_that_credits_the_tipster_only_with_consent()
    {
        var agreed = await SendAsync(new TipInput { Text = "Жол жабылды\nАстана–Алматы тас жолы", Name = "Ерлан", CreditConsent = true });
        var declined = await SendAsync(new TipInput { Text = "Өрт шықты", Name = "Анон", CreditConsent = false });

        var credited = await PromoteAsync(agreed);
        var uncredited = await PromoteAsync(declined);

        Assert.Equal(ArticleState.Draft, credited.State);
        Assert.Equal("Жол жабылды", credited.Title);
        Assert.Equal("Ерлан", credited.TipCredit);
        Assert.Null(uncredited.TipCredit);
        using var notInFeed = await _server.Anonymous.GetAsync($"/api/articles/{credited.Id}").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, notInFeed.StatusCode);
    }

    [Fact]
    public async Task A_tip_without_text_or_with_a_bad_link_gets_a_clear_error()
    {
        using var response = await _server.Anonymous.PostAsJsonAsync("/api/tips", new { text = " ", link = "javascript:alert(1)" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Write your tip", body);
        Assert.Contains("link", body);
    }

    [Theory]
    [InlineData("POST", "/api/newsroom/polls")]
    [InlineData("POST", "/api/newsroom/polls/1/close")]
    [InlineData("POST", "/api/newsroom/articles")]
    [InlineData("POST", "/api/newsroom/articles/a1/retract")]
    [InlineData("POST", "/api/newsroom/tips/t1/promote")]
    public async Task Newsroom_changes_need_an_editor(string method, string path)
    {
        using var anonymous = await _server.Anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) }).DefaultTimeout();
        using var screen = await _server.Screen.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) }).DefaultTimeout();
        using var wrongKey = new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) };
        wrongKey.Headers.Authorization = new("Bearer", "lpk_not-a-key");
        using var forged = await _server.Anonymous.SendAsync(wrongKey).DefaultTimeout();

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, screen.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    private async Task<Tip> SendAsync(TipInput input)
    {
        using var sent = await _server.Anonymous.PostAsJsonAsync("/api/tips", input).DefaultTimeout();
        var receipt = await sent.Content.ReadFromJsonAsync<TipReceipt>(PollTestKit.Json);
        var all = await _server.Http.GetFromJsonAsync<List<Tip>>("/api/newsroom/tips", PollTestKit.Json).DefaultTimeout();
        return all!.Single(t => t.Id == receipt!.Id);
    }

    private async Task<ArticleView> PromoteAsync(Tip tip)
    {
        using var response = await _server.Http.PostAsync($"/api/newsroom/tips/{tip.Id}/promote", null).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
    }

    private static List<Tip> Recorder(HubConnection connection)
    {
        var tips = new List<Tip>();
        connection.On<Tip>(ClientEvents.TipReceived, t =>
        {
            lock (tips)
            {
                tips.Add(t);
            }
        });
        return tips;
    }
}

public sealed class TipTestsOnRedis(RedisStoreFixture store) : TipTests<RedisStoreFixture>(store);

public sealed class TipTestsOnGarnet(GarnetStoreFixture store) : TipTests<GarnetStoreFixture>(store);

public sealed class RedisClusterTipTests(RedisClusterStoreFixture store) : TipTests<RedisClusterStoreFixture>(store);
