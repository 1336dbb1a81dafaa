using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;

namespace LivePoll.Tests.Live;

/// <summary>An article's permalink is rendered on the server: crawlers and link previews see the article, its tags and structured data.</summary>
public sealed class ArticlePageTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        new Dictionary<string, string?> { ["Newsroom:PublicBaseUrl"] = "https://news.example.kz" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_permalink_carries_the_article_its_preview_tags_and_news_article_data_without_script()
    {
        using var created = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput
        {
            Title = "ІІМ: киберқылмысқа қарсы <күрес>",
            Lead = "Жаңа департамент құрылды.",
            Body = "<p>Интернет-алаяқтықтың 11 мыңнан астам жағдайы тіркелді.</p>",
            ImageUrl = "/img/demo/cybercrime.svg",
            ImageCredit = "polisia.kz",
            Tags = ["ІІМ"],
        }, PollTestKit.Json).DefaultTimeout();
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
        (await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/corrections", new CorrectionInput { Note = "Сан түзетілді." })).EnsureSuccessStatusCode();

        using var page = await _server.Anonymous.GetAsync($"/articles/{article.Id}").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(page.Headers.ETag);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        var html = await page.Content.ReadAsStringAsync();

        var url = $"https://news.example.kz/articles/{article.Id}";
        Assert.Contains("<title>ІІМ: киберқылмысқа қарсы &lt;күрес&gt; — LivePoll</title>", html);
        Assert.Contains($"<link rel=\"canonical\" href=\"{url}\">", html);
        Assert.Contains("<meta property=\"og:title\" content=\"ІІМ: киберқылмысқа қарсы &lt;күрес&gt;\">", html);
        Assert.Contains("<meta property=\"og:description\" content=\"Жаңа департамент құрылды.\">", html);
        Assert.Contains("<meta name=\"description\" content=\"Жаңа департамент құрылды.\">", html);
        Assert.Contains("<meta property=\"og:image\" content=\"https://news.example.kz/img/demo/cybercrime.svg\">", html);
        Assert.Contains("<meta name=\"twitter:card\" content=\"summary_large_image\">", html);
        Assert.Contains("Интернет-алаяқтықтың 11 мыңнан астам жағдайы тіркелді.", html);
        Assert.Contains("Сан түзетілді.", html);
        Assert.Contains("<figcaption>polisia.kz</figcaption>", html);
        Assert.DoesNotContain("<div id=\"feed-section\">", html);

        var json = Regex.Match(html, "<script type=\"application/ld\\+json\" id=\"article-data\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        using var data = JsonDocument.Parse(json);
        Assert.Equal("NewsArticle", data.RootElement.GetProperty("@type").GetString());
        Assert.Equal("ІІМ: киберқылмысқа қарсы <күрес>", data.RootElement.GetProperty("headline").GetString());
        Assert.Equal(url, data.RootElement.GetProperty("mainEntityOfPage").GetString());
        Assert.True(data.RootElement.GetProperty("dateModified").GetDateTime() >= data.RootElement.GetProperty("datePublished").GetDateTime());

        // Unchanged, it is not sent again; changed, it is rendered anew.
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/articles/{article.Id}");
        again.Headers.TryAddWithoutValidation("If-None-Match", page.Headers.ETag!.ToString());
        using (var notModified = await _server.Anonymous.SendAsync(again).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }
        (await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/corrections", new CorrectionInput { Note = "Екінші түзету." })).EnsureSuccessStatusCode();
        Assert.Contains("Екінші түзету.", await _server.Anonymous.GetStringAsync($"/articles/{article.Id}").DefaultTimeout());

        (await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/retract", new { note = "Withdrawn." })).EnsureSuccessStatusCode();
        using (var gone = await _server.Anonymous.GetAsync($"/articles/{article.Id}").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            var notice = await gone.Content.ReadAsStringAsync();
            Assert.Contains("Мақаланы редакция алып тастады.", notice);
            Assert.DoesNotContain("Интернет-алаяқтықтың", notice);
        }

        using var missing = await _server.Anonymous.GetAsync("/articles/a404404").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("<meta name=\"robots\" content=\"noindex\">", await missing.Content.ReadAsStringAsync());
    }
}
