using System.Net;
using System.Net.Http.Json;
using System.ServiceModel.Syndication;
using System.Text.Json;
using System.Xml;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;

namespace LivePoll.Tests.Feed;

/// <summary>RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the live feed and its key events, read back with a syndication library.</summary>
public sealed class FeedSyndicationTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        new Dictionary<string, string?> { ["Newsroom:PublicBaseUrl"] = "https://news.example.kz" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Rss_atom_and_json_feed_carry_the_articles_with_corrections_noted_and_retractions_left_out()
    {
        var plain = await PublishAsync(new ArticleInput { Title = "Жаңа метро бекеті", Lead = "Ашылды.", Body = "<p>Бекет ашылды.</p>", Tags = ["Алматы"] });
        var key = await PublishAsync(new ArticleInput { Title = "Ұлттық банк шешімі", Body = "<p>Мөлшерлеме өзгермеді.</p>", KeyEvent = true, ImageUrl = "/img/demo/cybercrime.svg" });
        var gone = await PublishAsync(new ArticleInput { Title = "Unconfirmed", Body = "<p>?</p>" });
        (await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{plain.Id}/corrections", new CorrectionInput { Note = "The station name was wrong." })).EnsureSuccessStatusCode();
        (await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{gone.Id}/retract", new { note = "Withdrawn." })).EnsureSuccessStatusCode();

        var rss = await LoadAsync("/feeds/live.rss", "application/rss+xml");
        Assert.Equal([key.Title, plain.Title], rss.Items.Select(i => i.Title.Text));
        var corrected = rss.Items.Single(i => i.Title.Text == plain.Title);
        Assert.Equal($"https://news.example.kz/articles/{plain.Id}", corrected.Links[0].Uri.ToString());
        Assert.Contains("The station name was wrong.", corrected.Summary.Text);
        Assert.Contains("Бекет ашылды.", corrected.Summary.Text);
        Assert.Equal(["Алматы"], corrected.Categories.Select(c => c.Name));
        Assert.True(corrected.PublishDate > DateTimeOffset.UtcNow.AddMinutes(-5));

        // A second parser, plain XML: the RSS channel's items and the Atom feed's entries as the documents define them.
        var rssXml = System.Xml.Linq.XDocument.Parse(await _server.Anonymous.GetStringAsync("/feeds/live.rss").DefaultTimeout());
        Assert.Equal("2.0", rssXml.Root!.Attribute("version")!.Value);
        Assert.Equal([key.Title, plain.Title], rssXml.Descendants("item").Select(i => i.Element("title")!.Value));
        Assert.All(rssXml.Descendants("item"), i => Assert.True(DateTimeOffset.TryParse(i.Element("pubDate")!.Value, out _)));
        System.Xml.Linq.XNamespace a = "http://www.w3.org/2005/Atom";
        var atomXml = System.Xml.Linq.XDocument.Parse(await _server.Anonymous.GetStringAsync("/feeds/live.atom").DefaultTimeout());
        Assert.Equal(2, atomXml.Root!.Elements(a + "entry").Count());
        Assert.Contains("Correction", atomXml.Root.Elements(a + "entry").Single(e => e.Element(a + "title")!.Value == plain.Title).Element(a + "content")!.Value);

        var atom = await LoadAsync("/feeds/key-events.atom", "application/atom+xml");
        var only = Assert.Single(atom.Items);
        Assert.Equal(key.Title, only.Title.Text);
        Assert.Contains("Мөлшерлеме өзгермеді.", ((TextSyndicationContent)only.Content).Text);
        Assert.Contains(only.Links, l => l.RelationshipType == "enclosure" && l.Uri.ToString() == "https://news.example.kz/img/demo/cybercrime.svg");

        using var json = await _server.Anonymous.GetAsync("/feeds/live.json").DefaultTimeout();
        Assert.Equal("application/feed+json", json.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await json.Content.ReadAsStringAsync());
        Assert.Equal("https://jsonfeed.org/version/1.1", document.RootElement.GetProperty("version").GetString());
        var items = document.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([key.Title, plain.Title], items.Select(i => i.GetProperty("title").GetString()));
        Assert.Contains("Correction", items[1].GetProperty("content_html").GetString());
        Assert.True(items[1].GetProperty("date_modified").GetDateTimeOffset() > items[1].GetProperty("date_published").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_conditional_get_is_answered_304_until_the_feed_changes()
    {
        await PublishAsync(new ArticleInput { Title = "First", Body = "<p>1</p>" });
        using var first = await _server.Anonymous.GetAsync("/feeds/live.atom").DefaultTimeout();
        var etag = first.Headers.ETag!.ToString();
        var lastModified = first.Content.Headers.LastModified!.Value;

        Assert.Equal(HttpStatusCode.NotModified, await ConditionalAsync("If-None-Match", etag));
        Assert.Equal(HttpStatusCode.NotModified, await ConditionalAsync("If-Modified-Since", lastModified.ToString("R")));

        await PublishAsync(new ArticleInput { Title = "Second", Body = "<p>2</p>" });
        Assert.Equal(HttpStatusCode.OK, await ConditionalAsync("If-None-Match", etag));
    }

    private async Task<HttpStatusCode> ConditionalAsync(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/live.atom");
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await _server.Anonymous.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }

    private async Task<SyndicationFeed> LoadAsync(string path, string mediaType)
    {
        using var response = await _server.Anonymous.GetAsync(path).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        using var reader = XmlReader.Create(await response.Content.ReadAsStreamAsync());
        return SyndicationFeed.Load(reader);
    }

    private async Task<ArticleView> PublishAsync(ArticleInput input)
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", input, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
    }
}
