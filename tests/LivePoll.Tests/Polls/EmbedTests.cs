using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.Polls;

/// <summary>Embeds may be framed by the configured partners only (every other page never), and oEmbed turns our addresses into them.</summary>
public sealed class EmbedTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
    {
        ["Newsroom:PublicBaseUrl"] = "https://news.example.kz",
        ["Embeds:FrameAncestors:0"] = "https://partner.example.com",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Only_the_embed_may_be_framed_and_only_by_the_configured_partners()
    {
        var poll = await _server.CreatePollAsync();
        using var embed = await _server.Anonymous.GetAsync($"/embed/polls/{poll.PollId}").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, embed.StatusCode);
        var policy = embed.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'self' https://partner.example.com", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.False(embed.Headers.Contains("X-Frame-Options"));

        using (var feed = await _server.Anonymous.GetAsync("/embed/feed").DefaultTimeout())
        {
            Assert.Contains("frame-ancestors 'self' https://partner.example.com", feed.Headers.GetValues("Content-Security-Policy").Single());
        }
        foreach (var page in new[] { "/", $"/polls/{poll.PollId}", "/desk" })
        {
            using var other = await _server.Anonymous.GetAsync(page).DefaultTimeout();
            Assert.Contains("frame-ancestors 'none'", other.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("DENY", other.Headers.GetValues("X-Frame-Options").Single());
        }
    }

    [Fact]
    public async Task Over_https_the_voter_cookie_may_travel_into_a_partners_frame_and_over_http_it_stays_lax()
    {
        // A new voter over each scheme (the exempt load-tool key needs no challenge); HTTPS as a trusted proxy on loopback reports it.
        using var overHttps = new HttpRequestMessage(HttpMethod.Post, "/api/voters");
        overHttps.Headers.Add("X-Forwarded-Proto", "https");
        overHttps.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", LivePollServer.LoadToolKey);
        using var issuedHttps = await new HttpClient { BaseAddress = _server.BaseAddress }.SendAsync(overHttps).DefaultTimeout();
        var secure = string.Join(";", issuedHttps.Headers.GetValues("Set-Cookie"));
        Assert.Contains("secure", secure);
        Assert.Contains("samesite=none", secure);
        using var issuedHttp = await _server.LoadTool.PostAsync("/api/voters", null).DefaultTimeout();
        var lax = string.Join(";", issuedHttp.Headers.GetValues("Set-Cookie"));
        Assert.Contains("samesite=lax", lax);
        Assert.DoesNotContain("secure", lax);
    }

    [Fact]
    public async Task Oembed_answers_for_poll_and_article_addresses_and_refuses_others()
    {
        var poll = await _server.CreatePollAsync();
        foreach (var url in new[] { $"https://news.example.kz/polls/{poll.PollId}", $"https://news.example.kz/?poll={poll.PollId}" })
        {
            using var document = JsonDocument.Parse(await _server.Anonymous.GetStringAsync($"/oembed?url={Uri.EscapeDataString(url)}&maxwidth=400").DefaultTimeout());
            var root = document.RootElement;
            Assert.Equal("1.0", root.GetProperty("version").GetString());
            Assert.Equal("rich", root.GetProperty("type").GetString());
            Assert.Equal(400, root.GetProperty("width").GetInt32());
            Assert.Contains($"src=\"https://news.example.kz/embed/polls/{poll.PollId}\"", root.GetProperty("html").GetString());
            Assert.Contains("/js/embed-loader.js", root.GetProperty("html").GetString());
            Assert.EndsWith($"/polls/{poll.PollId}/results.png", root.GetProperty("thumbnail_url").GetString());
        }

        using var created = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Embeddable", Body = "<p>e</p>" }, PollTestKit.Json);
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
        using (var document = JsonDocument.Parse(await _server.Anonymous.GetStringAsync($"/oembed?url={Uri.EscapeDataString(article.Url)}").DefaultTimeout()))
        {
            Assert.Equal("link", document.RootElement.GetProperty("type").GetString());
            Assert.Equal("Embeddable", document.RootElement.GetProperty("title").GetString());
        }
        // Pages name their oEmbed for discovery.
        var discovery = new HtmlPage(await _server.Anonymous.GetStringAsync($"/articles/{article.Id}").DefaultTimeout()).Link("alternate", "application/json+oembed");
        Assert.Equal($"https://news.example.kz/oembed?url={Uri.EscapeDataString(article.Url)}&format=json", discovery);

        using (var site = JsonDocument.Parse(await _server.Anonymous.GetStringAsync($"/oembed?url={Uri.EscapeDataString("https://news.example.kz/")}").DefaultTimeout()))
        {
            Assert.Equal("rich", site.RootElement.GetProperty("type").GetString());
            Assert.Contains("src=\"https://news.example.kz/embed/feed\"", site.RootElement.GetProperty("html").GetString());
        }

        using var foreign = await _server.Anonymous.GetAsync($"/oembed?url={Uri.EscapeDataString("https://elsewhere.example/polls/1")}").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using var xml = await _server.Anonymous.GetAsync($"/oembed?url={Uri.EscapeDataString($"https://news.example.kz/polls/{poll.PollId}")}&format=xml").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotImplemented, xml.StatusCode);
    }
}
