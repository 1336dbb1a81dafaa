using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;

namespace LivePoll.Tests.Feed;

/// <summary>
/// Changes of one article that race each other end in one documented outcome, always: each change is one store script that
/// checks the version it was made from. Optimistic concurrency (ETag / If-Match) and Idempotency-Key on publishing.
/// </summary>
public abstract class ArticleChangeTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_correction_racing_a_retraction_never_brings_the_article_back()
    {
        for (var round = 0; round < 15; round++)
        {
            var article = await PublishAsync(new ArticleInput { Title = $"Race {round}", Body = "<p>r</p>" });
            var correction = _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/corrections", new CorrectionInput { Note = "Fixed.", Title = "Corrected" });
            var retraction = _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/retract", new { note = "Withdrawn." });
            using var corrected = await correction.DefaultTimeout();
            using var retracted = await retraction.DefaultTimeout();

            // The retraction always lands; the correction lands before it or is refused after it.
            Assert.Equal(HttpStatusCode.OK, retracted.StatusCode);
            Assert.True(corrected.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"correction answered {corrected.StatusCode}");
            var stored = await ArticleAsync(article.Id);
            Assert.Equal(ArticleState.Retracted, stored.State);
            var events = (await EventsAsync()).Where(e => e.Article.Id == article.Id).Select(e => e.Kind).ToList();
            Assert.Equal(corrected.StatusCode == HttpStatusCode.OK
                ? [FeedEventKind.Published, FeedEventKind.Corrected, FeedEventKind.Retracted]
                : [FeedEventKind.Published, FeedEventKind.Retracted], events);
            var page = await _server.Http.GetFromJsonAsync<FeedPage>("/api/feed?limit=100", PollTestKit.Json).DefaultTimeout();
            Assert.DoesNotContain(page!.Days.SelectMany(d => d.Items), a => a.Id == article.Id);
        }
    }

    [Fact]
    public async Task Concurrent_corrections_all_land_in_order()
    {
        var article = await PublishAsync(new ArticleInput { Title = "Often fixed", Body = "<p>o</p>" });
        var answers = await Task.WhenAll(Enumerable.Range(1, 8).Select(i =>
            _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/corrections", new CorrectionInput { Note = $"Fix {i}." })));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
        var stored = await ArticleAsync(article.Id);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"Fix {i}.").Order(), stored.Corrections.Select(c => c.Note).Order());
        Assert.Equal(article.Version + 8, stored.Version);
        Assert.Equal(8, (await EventsAsync()).Count(e => e.Article.Id == article.Id && e.Kind == FeedEventKind.Corrected));
    }

    [Fact]
    public async Task A_double_click_with_one_idempotency_key_publishes_one_article()
    {
        var key = Guid.NewGuid().ToString();
        var input = new ArticleInput { Title = "Once only", Body = "<p>1</p>" };
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/newsroom/articles") { Content = JsonContent.Create(input, options: PollTestKit.Json) };
            request.Headers.Add("Idempotency-Key", key);
            return _server.Http.SendAsync(request);
        })).DefaultTimeout();
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        var made = await Task.WhenAll(answers.Select(a => a.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json)));
        Assert.Single(made.Select(a => a!.Id).Distinct());
        Assert.Equal(5, answers.Count(a => a.Headers.TryGetValues("Idempotent-Replayed", out var v) && v.Single() == "true"));
        Assert.Single(await EventsAsync(), e => e.Article.Title == "Once only" && e.Kind == FeedEventKind.Published);

        using var other = new HttpRequestMessage(HttpMethod.Post, "/api/newsroom/articles")
        {
            Content = JsonContent.Create(new ArticleInput { Title = "Something else", Body = "<p>2</p>" }, options: PollTestKit.Json),
        };
        other.Headers.Add("Idempotency-Key", key);
        using var reused = await _server.Http.SendAsync(other).DefaultTimeout();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Contains(made[0]!.Id, await reused.Content.ReadAsStringAsync());
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Fact]
    public async Task Publishing_a_draft_twice_at_once_makes_one_publication()
    {
        var draft = await PublishAsync(new ArticleInput { Title = "Draft", Body = "<p>d</p>", Draft = true });
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _server.Http.PostAsync($"/api/newsroom/articles/{draft.Id}/publish", null))).DefaultTimeout();
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        Assert.Single(await EventsAsync(), e => e.Article.Id == draft.Id && e.Kind == FeedEventKind.Published);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Fact]
    public async Task If_match_with_a_stale_version_is_refused_with_the_current_etag()
    {
        var article = await PublishAsync(new ArticleInput { Title = "Versioned", Body = "<p>v</p>" });
        using (var read = await _server.Http.GetAsync($"/api/newsroom/articles/{article.Id}").DefaultTimeout())
        {
            Assert.Equal($"\"v{article.Version}\"", read.Headers.ETag!.ToString());
        }

        using var first = await CorrectAsync(article.Id, $"\"v{article.Version}\"", "First.");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal($"\"v{article.Version + 1}\"", first.Headers.ETag!.ToString());

        // A second editor who read the same version loses: nothing changes, and the answer says what the article is now.
        using var stale = await CorrectAsync(article.Id, $"\"v{article.Version}\"", "Second.");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal($"\"v{article.Version + 1}\"", stale.Headers.ETag!.ToString());
        Assert.Contains("Reload it", await stale.Content.ReadAsStringAsync());
        Assert.Equal(["First."], (await ArticleAsync(article.Id)).Corrections.Select(c => c.Note));

        using var garbled = await CorrectAsync(article.Id, "yesterday", "Third.");
        Assert.Equal(HttpStatusCode.BadRequest, garbled.StatusCode);

        // Readers' copies are revalidated cheaply.
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/articles/{article.Id}");
        conditional.Headers.TryAddWithoutValidation("If-None-Match", $"\"v{article.Version + 1}\"");
        using var notModified = await _server.Anonymous.SendAsync(conditional).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task A_body_is_held_to_its_limit_after_cleaning_and_deep_nesting_is_refused_early()
    {
        // 60,000 '<' pass the raw bound but become 240,000 characters once escaped.
        using var swollen = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Big", Body = new string('<', 60_000) + "x" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, swollen.StatusCode);
        Assert.Contains("once cleaned", await swollen.Content.ReadAsStringAsync());

        using var deep = await _server.Http.PostAsJsonAsync("/api/newsroom/articles",
            new ArticleInput { Title = "Deep", Body = string.Concat(Enumerable.Repeat("<div>", 20_000)) }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, deep.StatusCode);
        Assert.Contains("nests elements", await deep.Content.ReadAsStringAsync());

        // Ordinary long articles with many unclosed paragraphs are fine.
        var ordinary = await PublishAsync(new ArticleInput { Title = "Long", Body = string.Concat(Enumerable.Repeat("<p>paragraph <b>bold</b>", 2_000)) });
        Assert.Contains("<b>bold</b>", ordinary.Body);
    }

    private Task<HttpResponseMessage> CorrectAsync(string id, string ifMatch, string note)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/newsroom/articles/{id}/corrections")
        {
            Content = JsonContent.Create(new CorrectionInput { Note = note }, options: PollTestKit.Json),
        };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return _server.Http.SendAsync(request).DefaultTimeout();
    }

    private async Task<ArticleView> ArticleAsync(string id) =>
        (await _server.Http.GetFromJsonAsync<ArticleView>($"/api/newsroom/articles/{id}", PollTestKit.Json).DefaultTimeout())!;

    private async Task<IReadOnlyList<FeedEvent>> EventsAsync() =>
        (await _server.Http.GetFromJsonAsync<FeedCatchUp>("/api/feed/events?after=0&limit=500", PollTestKit.Json).DefaultTimeout())!.Events;

    private async Task<ArticleView> PublishAsync(ArticleInput input)
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", input, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
    }
}

public sealed class ArticleChangeTestsOnRedis(RedisStoreFixture store) : ArticleChangeTests<RedisStoreFixture>(store);

public sealed class ArticleChangeTestsOnGarnet(GarnetStoreFixture store) : ArticleChangeTests<GarnetStoreFixture>(store);

public sealed class RedisClusterArticleChangeTests(RedisClusterStoreFixture store) : ArticleChangeTests<RedisClusterStoreFixture>(store);
