using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;

namespace LivePoll.Tests.Newsroom;

/// <summary>Who published, corrected, pinned, opened and closed what: every successful newsroom change lands in the activity log.</summary>
public sealed class ActivityLogTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_successful_change_is_logged_with_who_when_and_the_state_before_and_after()
    {
        using var created = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Logged", Body = "<p>l</p>" }, PollTestKit.Json);
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
        (await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/corrections", new CorrectionInput { Note = "Name fixed." })).EnsureSuccessStatusCode();
        (await _server.Http.PostAsync($"/api/newsroom/articles/{article.Id}/pin", null)).EnsureSuccessStatusCode();
        using (var refused = await _server.Http.PostAsync($"/api/newsroom/articles/{article.Id}/publish", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        }
        var poll = await _server.CreatePollAsync();
        (await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null)).EnsureSuccessStatusCode();
        // Calls that fail change nothing and leave no row.
        using (var tooMany = await _server.Http.PostAsJsonAsync("/api/newsroom/polls",
            new CreatePollRequest { Question = "Too many", Options = [.. Enumerable.Range(1, 1000).Select(i => new CreatePollOption { Text = $"o{i}" })] }, PollTestKit.Json))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        }
        using (var unknown = await _server.Http.PostAsync("/api/newsroom/polls/999999/close", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var log = (await _server.Screen.GetFromJsonAsync<List<ActivityEntry>>("/api/newsroom/activity", PollTestKit.Json).DefaultTimeout())!;
        Assert.Equal(["poll.close", "poll.create", "article.pin", "article.corrections", "article.create"], log.Select(e => e.Action));
        Assert.All(log, e => Assert.Equal(("test editor", "editor"), (e.Who, e.Role)));
        var correction = log.Single(e => e.Action == "article.corrections");
        Assert.Equal((article.Id, "Logged", "Published v1", "Corrected v2", "note: Name fixed."),
            (correction.Target, correction.Title, correction.Before, correction.After, correction.Detail));
        var create = log[1];
        Assert.Equal((poll.PollId, poll.Question, "Open, 0 voters"), (create.Target, create.Title, create.After));
        var close = log[0];
        Assert.Equal((poll.PollId, "Open, 0 voters", "Closed, 0 voters"), (close.Target, close.Before, close.After));
        Assert.Null(log.Single(e => e.Action == "article.create").Before);

        // Readers never see who corrected an article; the log does.
        var served = await _server.Anonymous.GetFromJsonAsync<ArticleView>($"/api/articles/{article.Id}", PollTestKit.Json).DefaultTimeout();
        Assert.Null(served!.Corrections.Single().By);

        using var csv = await _server.Screen.GetAsync("/api/newsroom/activity.csv").DefaultTimeout();
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal("at,who,who_name,role,action,target,title,before,after,detail", lines[0]);
        Assert.Equal(6, lines.Length);
        Assert.Contains("article.corrections", lines[4]);
        using var anonymous = await _server.Anonymous.GetAsync("/api/newsroom/activity").DefaultTimeout();
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
