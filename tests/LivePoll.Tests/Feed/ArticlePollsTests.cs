using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.Tests.Feed;

/// <summary>Articles carry polls; readers get the change live; the open polls are listed for the page's "more polls".</summary>
public sealed class ArticlePollsTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_article_carries_existing_polls_and_readers_see_a_change_of_them_live()
    {
        var first = await _server.CreatePollAsync();
        var second = await _server.CreatePollAsync(visibility: ResultVisibility.AfterClose);
        using var created = await _server.Http.PostAsJsonAsync("/api/newsroom/articles",
            new ArticleInput { Title = "With a poll", Body = "<p>p</p>", PollIds = [first.PollId] }, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
        Assert.Equal([first.PollId], article.PollIds);

        await using var reader = await _server.ConnectAsync(WireProtocol.MessagePack);
        var events = new EventRecorder<FeedEvent>(reader, ClientEvents.FeedEvent);
        await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
        using (var set = await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/polls", new ArticlePollsInput { PollIds = [first.PollId, second.PollId] }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }
        await events.WaitForAsync(e => e.Kind == FeedEventKind.Updated && e.Article.PollIds.Count == 2, "the reader learns of the second poll");
        var served = await _server.Anonymous.GetFromJsonAsync<ArticleView>($"/api/articles/{article.Id}", PollTestKit.Json).DefaultTimeout();
        Assert.Equal([first.PollId, second.PollId], served!.PollIds);

        using var unknown = await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/polls", new ArticlePollsInput { PollIds = ["999999"] }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("no poll with id '999999'", await unknown.Content.ReadAsStringAsync());
        using var tooMany = await _server.Http.PostAsJsonAsync("/api/newsroom/articles",
            new ArticleInput { Title = "Six", Body = "<p>6</p>", PollIds = ["1", "2", "3", "4", "5", "6"] }, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);

        (await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/retract", new { })).EnsureSuccessStatusCode();
        using var retracted = await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/polls", new ArticlePollsInput { PollIds = [] }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Conflict, retracted.StatusCode);

        // The open polls, newest first, with counts only where readers may see them.
        var open = await _server.Anonymous.GetFromJsonAsync<List<PollSnapshot>>("/api/polls/open", PollTestKit.Json).DefaultTimeout();
        Assert.Equal(second.PollId, open![0].PollId);
        Assert.Null(open[0].TotalVoters);
        Assert.Contains(open, p => p.PollId == first.PollId && p.TotalVoters == 0);
    }
}
