using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LivePoll.Tests.Feed;

/// <summary>
/// Characters XML cannot carry (pasted from a word processor) are cleaned where text enters, and a record stored before
/// that rule cannot take the RSS and Atom feeds down: they answer 200 with well-formed XML that a real feed reader's
/// parser (Debian's python3-feedparser) reads, and the log notes the record once, not once per request.
/// </summary>
public sealed class UnwritableTextTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    // U+0001, U+000B (Word's line break), U+001F, the noncharacter U+FFFE: each as JSON escapes.
    private const string Escaped = "\\u0001\\u000B\\u001F\\uFFFE";

    private readonly LogCapture _logs = new();
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        new Dictionary<string, string?> { ["Newsroom:PublicBaseUrl"] = "https://news.example.kz" },
        services: s => s.AddSingleton<ILoggerProvider>(_logs));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Articles_corrections_tips_and_polls_are_cleaned_as_they_arrive_and_a_link_with_a_control_character_is_refused()
    {
        var created = await PostJsonAsync("/api/newsroom/articles",
            $$"""{"title":"Vertical tab{{Escaped}} pasted from Word","lead":"One\u000Btwo\u0001","body":"<p>Line\u000Bnext\u001F \uFFFE</p>","tags":["a\u0001b"],"imageCredit":"Photo\u000B desk"}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var article = created.Json.Deserialize<ArticleView>(PollTestKit.Json)!;
        Assert.Equal("Vertical tab  pasted from Word", article.Title);   // the vertical tab is a space in a one-line field
        Assert.Equal("One\ntwo", article.Lead);                          // and a new line where lines are allowed
        Assert.Equal("<p>Line\nnext </p>", article.Body);
        Assert.Equal(["ab"], article.Tags);
        Assert.Equal("Photo  desk", article.ImageCredit);

        var corrected = await PostJsonAsync($"/api/newsroom/articles/{article.Id}/corrections", """{"note":"Fixed\u0001 the\u000Btitle","title":"New\u001F title"}""");
        Assert.Equal(HttpStatusCode.OK, corrected.Status);
        var correction = corrected.Json.Deserialize<ArticleView>(PollTestKit.Json)!;
        Assert.Equal("New title", correction.Title);
        Assert.Equal("Fixed the\ntitle", correction.Corrections.Single().Note);

        var badLink = await PostJsonAsync("/api/newsroom/articles", """{"title":"Link","body":"<p>x</p>","sourceUrl":"https://example.kz/a\u0001b"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badLink.Status);
        Assert.Contains("U+0001", badLink.Json.GetProperty("errors").GetProperty("sourceUrl")[0].GetString());

        // A lone half of a surrogate pair cannot even be read as JSON text: the request is refused, naming the field.
        var lone = await PostJsonAsync("/api/newsroom/articles", """{"title":"Lone \uD800 half","body":"<p>x</p>"}""");
        Assert.Equal(HttpStatusCode.BadRequest, lone.Status);
        Assert.Contains("$.title", lone.Json.GetProperty("detail").GetString());

        using (var tip = await _server.Anonymous.PostAsync("/api/tips", Json("""{"text":"Pipe burst\u000Bon Abai street\u0001","name":"Ai\u001Fgul"}""")).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Accepted, tip.StatusCode);
        }
        var tips = await _server.Http.GetFromJsonAsync<List<Tip>>("/api/newsroom/tips", PollTestKit.Json).DefaultTimeout();
        Assert.Contains(tips!, t => t.Text == "Pipe burst\non Abai street" && t.Name == "Aigul");

        var poll = await PostJsonAsync("/api/newsroom/polls", """{"question":"Which\u000B one?","options":[{"text":"Yes\u0001"},{"text":"No\uFFFE"}]}""");
        Assert.Equal(HttpStatusCode.Created, poll.Status);
        Assert.Equal("Which  one?", poll.Json.GetProperty("question").GetString());
        Assert.Equal(["Yes", "No"], poll.Json.GetProperty("options").EnumerateArray().Select(o => o.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task A_record_stored_before_the_rule_leaves_the_feeds_well_formed_and_is_logged_once()
    {
        var stored = await PublishAsync(new ArticleInput { Title = "Stored long ago", Lead = "Lead", Body = "<p>Body</p>", Tags = ["tag"] });
        await OverwriteAsync(stored.Id, new Dictionary<string, string>
        {
            ["title"] = $"Old{Escaped} title",
            ["lead"] = $"Old{Escaped} lead",
            ["body"] = $"<p>Old{Escaped} body</p>",
        });
        // A lone half of a surrogate pair (only a hand edit can store one: no API reads it) makes the record unreadable.
        var unreadable = await PublishAsync(new ArticleInput { Title = "Hand-edited", Body = "<p>Body</p>" });
        await OverwriteAsync(unreadable.Id, new Dictionary<string, string> { ["title"] = "Half \\uD800 pair" });
        // A tip stored before the rule, made into a draft and published: the draft is made clean.
        var tipId = await StoreRawTipAsync($"Old{Escaped} tip\\nsecond line");
        using (var promoted = await _server.Http.PostAsync($"/api/newsroom/tips/{tipId}/promote", null).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Created, promoted.StatusCode);
            var draft = (await promoted.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
            Assert.Equal("Old  tip", draft.Title);
            (await _server.Http.PostAsync($"/api/newsroom/articles/{draft.Id}/publish", null).DefaultTimeout()).EnsureSuccessStatusCode();
        }

        long? logged = null;
        for (var round = 0; round < 6; round++)
        {
            foreach (var path in new[] { "/feeds/live.rss", "/feeds/live.atom" })
            {
                using var response = await _server.Anonymous.GetAsync(path).DefaultTimeout();
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var xml = await response.Content.ReadAsStringAsync();
                System.Xml.Linq.XDocument.Parse(xml);
                if (round == 0)
                {
                    var parsed = await FeedParser.ParseAsync(xml);
                    Assert.False(parsed.Bozo, $"feedparser found {path} ill-formed: {parsed.Problem}");
                    Assert.Contains("Old title", parsed.Titles);
                    Assert.DoesNotContain(parsed.Titles, t => t.Contains("Half"));
                    Assert.Contains("Old tip", parsed.Titles);
                    Assert.Contains(parsed.Contents, c => c.Contains("Old body"));
                }
            }
            // What the first round logged is all there is: later requests add nothing.
            logged ??= _logs.Characters;
            Assert.Equal(logged, _logs.Characters);
        }
        Assert.Single(_logs.Entries, e => e.EventId == 3006 && e.Message.Contains(stored.Id));
        Assert.Single(_logs.Entries, e => e.EventId == 1007 && e.Message.Contains(unreadable.Id));
        Assert.DoesNotContain(_logs.Entries, e => e.Exception is not null);

        // JSON Feed carries the characters escaped, as JSON can.
        using var json = await _server.Anonymous.GetAsync("/feeds/live.json").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
    }

    private async Task OverwriteAsync(string articleId, Dictionary<string, string> escapedFields)
    {
        var db = _server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var keys = _server.Services.GetRequiredService<RedisKeys>();
        var node = JsonNode.Parse((string)(await db.HashGetAsync(keys.FeedArticles, articleId))!)!.AsObject();
        foreach (var field in escapedFields.Keys)
        {
            node[field] = $"@{field}@";
        }
        var text = node.ToJsonString();
        foreach (var (field, escaped) in escapedFields)
        {
            text = text.Replace($"\"@{field}@\"", $"\"{escaped}\"", StringComparison.Ordinal);
        }
        await db.HashSetAsync(keys.FeedArticles, articleId, text);
    }

    private async Task<string> StoreRawTipAsync(string escapedText)
    {
        using (var sent = await _server.Anonymous.PostAsJsonAsync("/api/tips", new TipInput { Text = "placeholder" }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }
        var tip = (await _server.Http.GetFromJsonAsync<List<Tip>>("/api/newsroom/tips", PollTestKit.Json).DefaultTimeout())!.First(t => t.Text == "placeholder");
        var db = _server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var keys = _server.Services.GetRequiredService<RedisKeys>();
        var json = ((string)(await db.HashGetAsync(keys.Tips, tip.Id))!).Replace("\"placeholder\"", $"\"{escapedText}\"", StringComparison.Ordinal);
        await db.HashSetAsync(keys.Tips, tip.Id, json);
        return tip.Id;
    }

    private async Task<ArticleView> PublishAsync(ArticleInput input)
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", input, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
    }

    private async Task<(HttpStatusCode Status, JsonElement Json)> PostJsonAsync(string path, string json)
    {
        using var response = await _server.Http.PostAsync(path, Json(json)).DefaultTimeout();
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
