using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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
        var read = new HtmlPage(html);
        Assert.Equal("ІІМ: киберқылмысқа қарсы <күрес> — LivePoll", read.Title);
        Assert.Contains("<title>ІІМ: киберқылмысқа қарсы &lt;күрес&gt; — LivePoll</title>", html);
        Assert.Equal(url, read.Link("canonical"));
        Assert.Equal("ІІМ: киберқылмысқа қарсы <күрес>", read.Meta("og:title"));
        Assert.Equal("Жаңа департамент құрылды.", read.Meta("og:description"));
        Assert.Equal("Жаңа департамент құрылды.", read.Meta("description"));
        Assert.Equal("https://news.example.kz/img/demo/cybercrime.svg", read.Meta("og:image"));
        Assert.Equal("summary_large_image", read.Meta("twitter:card"));
        Assert.Equal("article", read.Meta("og:type"));
        Assert.Equal(["ІІМ"], read.MetaAll("article:tag"));
        Assert.Equal("Интернет-алаяқтықтың 11 мыңнан астам жағдайы тіркелді.", read.Find("#article-view .article-body")!.TextContent);
        Assert.Contains("Сан түзетілді.", read.Find(".corrections")!.TextContent);
        Assert.Equal("polisia.kz", read.Find("figure.article-photo figcaption")!.TextContent);
        Assert.True(read.Find("#feed-section")!.HasAttribute("hidden"));
        Assert.Empty(read.EventHandlers());

        var json = read.Find("script#article-data")!.TextContent;
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
            Assert.Contains("Бұл материал редакция шешімімен алынып тасталды.", notice);
            Assert.DoesNotContain("Интернет-алаяқтықтың", notice);
        }

        using var missing = await _server.Anonymous.GetAsync("/articles/a404404").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("noindex", new HtmlPage(await missing.Content.ReadAsStringAsync()).Meta("robots"));
    }

    [Fact]
    public async Task Text_from_the_newsroom_never_becomes_markup_on_the_templated_pages()
    {
        const string attack = "\"><script>alert(1)</script><img src=x onerror=alert(2)></title></head>";
        using var created = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput
        {
            Title = attack,
            Lead = attack,
            Body = "<p>Body</p><script>alert(3)</script>",
            ImageUrl = "https://example.kz/photo.jpg?\"onload=\"alert(4)",
            ImageCredit = attack,
            SourceName = attack,
            SourceUrl = "https://example.kz/?q=\"onmouseover=\"alert(5)",
            Tags = ["</script><script>alert(6)</script>"],
        }, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
        var poll = await _server.CreatePollAsync(new CreatePollRequest
        {
            Question = attack,
            Options = [new CreatePollOption { Text = "<b onclick=alert(7)>yes</b>" }, new CreatePollOption { Text = "no" }],
        });

        foreach (var path in new[] { "/", $"/articles/{article.Id}", $"/polls/{poll.PollId}", "/articles/nope" })
        {
            using var response = await _server.Anonymous.GetAsync(path).DefaultTimeout();
            var page = new HtmlPage(await response.Content.ReadAsStringAsync());
            Assert.Empty(page.EventHandlers());
            // The page's own scripts and data only.
            Assert.All(page.FindAll("script"), script => Assert.True(
                script.GetAttribute("src")?.Split('?')[0] is "/lib/pages/reader.js"
                || script.GetAttribute("type") == "application/ld+json", $"{path}: {script.OuterHtml}"));
            Assert.Empty(page.FindAll("img[src='x']"));
        }

        var permalink = new HtmlPage(await _server.Anonymous.GetStringAsync($"/articles/{article.Id}").DefaultTimeout());
        Assert.Equal(attack + " — LivePoll", permalink.Title);
        Assert.Equal(attack, permalink.Meta("og:title"));
        Assert.Equal(attack, permalink.Find(".article-title")!.TextContent);
        Assert.Equal(attack, permalink.Find("figure.article-photo figcaption")!.TextContent);
        Assert.Equal("https://example.kz/?q=\"onmouseover=\"alert(5)", permalink.Find(".article-source a")!.GetAttribute("href"));
        Assert.Equal(["</script><script>alert(6)</script>"], permalink.MetaAll("article:tag"));
        using var data = JsonDocument.Parse(permalink.Find("script#article-data")!.TextContent);
        Assert.Equal(attack, data.RootElement.GetProperty("headline").GetString());

        var pollPage = new HtmlPage(await _server.Anonymous.GetStringAsync($"/polls/{poll.PollId}").DefaultTimeout());
        Assert.Equal(attack, pollPage.Find("#poll .poll-question")!.TextContent);
        Assert.StartsWith("<b onclick=alert(7)>yes</b>", pollPage.FindAll("#poll .poll-option")[0].TextContent);
    }
}
