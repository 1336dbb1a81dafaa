using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using StackExchange.Redis;

namespace LivePoll.Tests.Media;

/// <summary>
/// A photo from a reporter's phone becomes renditions a reader can be shown safely: its type decided by its bytes, its
/// GPS position, camera serial, XMP and IPTC gone from every file served (read back with exiftool), turned upright, at a
/// few widths in JPEG and WebP plus a 1200×630 crop; anything else is refused with a clear problem and nothing stored.
/// </summary>
public sealed class MediaUploadTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        new Dictionary<string, string?> { ["Newsroom:PublicBaseUrl"] = "https://news.example.kz" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_phone_photo_is_served_upright_in_renditions_that_carry_none_of_its_metadata()
    {
        var phone = await TestPhotos.PhoneJpegAsync(1200, 800);
        var original = await TestPhotos.TagsAsync(phone);
        Assert.Contains(original.Keys, k => k.StartsWith("GPS", StringComparison.Ordinal));    // the test photo does carry them
        Assert.Contains("CAM-SERIAL-0042", original.Values);
        Assert.Contains("Confidential Source", original.Values);

        var (status, item) = await UploadAsync(_server.Http, phone, "IMG_0042.JPG", "image/jpeg");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("image/jpeg", item!.SourceType);
        // Stored 1200×800 sideways, shown 800×1200 upright: widths 480 and the photo's own 800 (never enlarged), and the crop.
        Assert.Equal((800, 1200), (item.SourceWidth, item.SourceHeight));
        Assert.Equal([480, 800], item.Renditions.Where(r => r.Kind == "width" && r.Type == "image/jpeg").Select(r => r.Width));
        Assert.Equal([480, 800], item.Renditions.Where(r => r.Kind == "width" && r.Type == "image/webp").Select(r => r.Width));
        Assert.Equal((1200, 630), item.Renditions.Where(r => r.Kind == "social").Select(r => (r.Width, r.Height)).Single());
        Assert.Contains(item.Notes, n => n.Contains("upright"));
        Assert.Equal(item.Image.Srcset, string.Join(", ", item.Renditions.Where(r => r.Kind == "width" && r.Type == "image/jpeg").Select(r => $"{r.Url} {r.Width}w")));

        foreach (var rendition in item.Renditions)
        {
            Assert.Matches("^/media/[0-9a-f]{32}\\.(jpg|webp)$", rendition.Url);
            using var served = await _server.Anonymous.GetAsync(rendition.Url).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(rendition.Type, served.Content.Headers.ContentType?.MediaType);
            Assert.Contains("immutable", served.Headers.CacheControl?.ToString());
            var bytes = await served.Content.ReadAsByteArrayAsync();
            Assert.Equal(rendition.Bytes, bytes.Length);

            var tags = await TestPhotos.TagsAsync(bytes);
            Assert.DoesNotContain(tags.Keys, k => k.StartsWith("GPS", StringComparison.Ordinal) || k.StartsWith("XMP", StringComparison.Ordinal)
                || k.StartsWith("IPTC", StringComparison.Ordinal) || k.StartsWith("IFD0", StringComparison.Ordinal) || k.StartsWith("ExifIFD", StringComparison.Ordinal)
                || k.Contains("MakerNote", StringComparison.Ordinal));
            Assert.DoesNotContain(tags.Values, v => v.Contains("CAM-SERIAL") || v.Contains("Confidential") || v.Contains("TestPhone")
                || v.Contains("Secret Model") || v.Contains("Hidden Photographer") || v.Contains("43.23") || v.Contains("Meeting point"));

            // Upright: what was the left (red) half of the stored picture is now on top, the blue below.
            using var bitmap = SKBitmap.Decode(bytes);
            Assert.Equal((rendition.Width, rendition.Height), (bitmap.Width, bitmap.Height));
            if (rendition.Kind == "width")
            {
                Assert.True(IsRed(bitmap.GetPixel(bitmap.Width / 2, bitmap.Height / 8)), $"{rendition.Url}: the top is not red");
                Assert.True(IsBlue(bitmap.GetPixel(bitmap.Width / 2, bitmap.Height * 7 / 8)), $"{rendition.Url}: the bottom is not blue");
            }
        }

        // The same file again is the same photo; the record is there for the newsroom.
        var (again, same) = await UploadAsync(_server.Http, phone, "copy.jpg", "application/octet-stream");
        Assert.Equal((HttpStatusCode.Created, item.Id), (again, same!.Id));
        var record = await _server.Http.GetFromJsonAsync<MediaItem>($"/api/newsroom/media/{item.Id}", PollTestKit.Json).DefaultTimeout();
        Assert.Equal(item.Renditions.Count, record!.Renditions.Count);
    }

    [Fact]
    public async Task A_transparent_png_and_a_webp_are_taken_and_small_photos_are_never_enlarged()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(300, 200, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Transparent);
        using var image = SKImage.FromBitmap(bitmap);
        var (status, png) = await UploadAsync(_server.Http, image.Encode(SKEncodedImageFormat.Png, 100).ToArray(), "logo.png", "image/png");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("image/png", png!.SourceType);
        Assert.Equal([300, 300], png.Renditions.Where(r => r.Kind == "width").Select(r => r.Width));
        // JPEG has no transparency: the transparent photo is laid on white.
        using var jpeg = SKBitmap.Decode(await _server.Anonymous.GetByteArrayAsync(png.Image.Src).DefaultTimeout());
        Assert.True(jpeg.GetPixel(10, 10).Red > 240 && jpeg.GetPixel(10, 10).Blue > 240);

        var (webpStatus, webp) = await UploadAsync(_server.Http, image.Encode(SKEncodedImageFormat.Webp, 80).ToArray(), "x.webp", "image/webp");
        Assert.Equal((HttpStatusCode.Created, "image/webp"), (webpStatus, webp!.SourceType));
    }

    [Fact]
    public async Task Hostile_and_broken_files_and_callers_without_the_right_are_refused_clearly_and_nothing_is_stored()
    {
        var good = TestPhotos.Jpeg(1600, 1000);
        var refusals = new (string What, HttpClient Client, byte[] Bytes, string Name, HttpStatusCode Status, string Says)[]
        {
            ("HTML named .jpg", _server.Http, "<html><script>alert(1)</script></html>"u8.ToArray(), "photo.jpg", HttpStatusCode.UnsupportedMediaType, "not a JPEG, PNG or WebP"),
            ("SVG named .jpg", _server.Http, "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect width=\"10\" height=\"10\"/></svg>"u8.ToArray(), "photo.jpg", HttpStatusCode.UnsupportedMediaType, "not a JPEG, PNG or WebP"),
            ("a truncated JPEG", _server.Http, good[..(good.Length * 6 / 10)], "cut.jpg", HttpStatusCode.BadRequest, "ends early"),
            ("a 100-megapixel PNG", _server.Http, TestPhotos.HugePng(10_000, 10_000), "bomb.png", HttpStatusCode.BadRequest, "100 MP"),
            ("a 25 MB file", _server.Http, new byte[25 * 1024 * 1024], "big.jpg", HttpStatusCode.RequestEntityTooLarge, "at most 20 MB"),
            ("no newsroom account", _server.Anonymous, good, "photo.jpg", HttpStatusCode.Unauthorized, ""),
            ("the screen role", _server.Screen, good, "photo.jpg", HttpStatusCode.Forbidden, ""),
        };
        foreach (var (what, client, bytes, name, expected, says) in refusals)
        {
            // As curl does with a large body: the answer may come before the body is sent (a refusal by its size).
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/newsroom/media") { Content = Form(bytes, name, "image/jpeg") };
            request.Headers.ExpectContinue = true;
            using var response = await client.SendAsync(request).DefaultTimeout();
            Assert.True(expected == response.StatusCode, $"{what}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (says.Length > 0)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Contains(says, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
            }
        }
        using (var empty = await _server.Http.PostAsync("/api/newsroom/media", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, empty.StatusCode);
            Assert.Equal("application/problem+json", empty.Content.Headers.ContentType?.MediaType);
        }

        Assert.Empty(Directory.EnumerateFiles(_server.MediaDirectory));
        var redis = _server.Services.GetRequiredService<IConnectionMultiplexer>();
        var prefix = _server.Services.GetRequiredService<RedisKeys>().Media("");
        Assert.Empty(redis.GetServers()[0].Keys(pattern: prefix.ToString() + "*"));
    }

    [Fact]
    public async Task An_article_with_an_uploaded_photo_shows_it_in_renditions_on_its_page_and_in_the_feeds_and_keeps_the_editors_markup()
    {
        var (_, item) = await UploadAsync(_server.Http, TestPhotos.Jpeg(2400, 1600), "wide.jpg", "image/jpeg");
        var image = item!.Image;
        Assert.Equal([480, 960, 1600], item.Renditions.Where(r => r.Kind == "width" && r.Type == "image/jpeg").Select(r => r.Width));

        // The body as the desk's editor writes it: headings, marks, a link, a list, a quote and a photo with its sources.
        var inline = $"<img src=\"{image.Src}\" alt=\"Көпір\" width=\"{image.Width}\" height=\"{image.Height}\" "
            + $"srcset=\"{string.Join(", ", image.Srcset.Split(", ").Take(2))}\" sizes=\"(max-width: 720px) 100vw, 720px\" loading=\"lazy\">";
        var body = "<h2>Көпір жабылды</h2><p><strong>Қалың</strong> және <em>көлбеу</em>, <a href=\"https://example.kz/a?b=1&amp;c=2\">сілтеме</a>.</p>"
            + "<ul><li><p>бір</p></li><li><p>екі</p></li></ul><ol><li><p>1</p></li></ol><blockquote><p>Дәйексөз</p></blockquote>" + inline
            + "<h3>Кейін</h3><p><s>ескі</s> <u>жаңа</u><br>жол</p>";
        using var created = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput
        {
            Title = "Photo story", Body = body, ImageId = item.Id, ImageAlt = "A closed bridge over the river", ImageCredit = "Photo: Aigerim",
        }, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
        Assert.Equal(body, article.Body);   // what the editor wrote is exactly what the sanitiser keeps
        Assert.Equal("A closed bridge over the river", article.Image!.Alt);
        Assert.Equal(image.Src, article.ImageUrl);

        var page = new HtmlPage(await _server.Anonymous.GetStringAsync($"/articles/{article.Id}").DefaultTimeout());
        Assert.Equal("https://news.example.kz" + image.Social, page.Meta("og:image"));
        Assert.Equal(("1200", "630"), (page.Meta("og:image:width"), page.Meta("og:image:height")));
        Assert.Equal("A closed bridge over the river", page.Meta("og:image:alt"));
        var photo = page.Find("figure.article-photo img")!;
        Assert.Equal((image.Src, image.Srcset, "A closed bridge over the river"), (photo.GetAttribute("src"), photo.GetAttribute("srcset"), photo.GetAttribute("alt")));
        Assert.Equal(image.WebpSrcset, page.Find("figure.article-photo source[type='image/webp']:not([media])")!.GetAttribute("srcset"));
        // Phones choose among renditions of at most 960 pixels.
        Assert.DoesNotContain("1600w", page.Find("figure.article-photo source[media]")!.GetAttribute("srcset"));
        Assert.Equal("Photo: Aigerim", page.Find("figure.article-photo figcaption")!.TextContent);
        // The permalink shows the same formatting.
        var shown = page.Find(".article-body")!;
        Assert.Equal(["H2", "P", "UL", "OL", "BLOCKQUOTE", "IMG", "H3", "P"], shown.Children.Select(c => c.TagName));
        Assert.Equal("Көпір", shown.QuerySelector("img")!.GetAttribute("alt"));
        Assert.Equal("https://example.kz/a?b=1&c=2", shown.QuerySelector("a")!.GetAttribute("href"));

        var rss = System.Xml.Linq.XDocument.Parse(await _server.Anonymous.GetStringAsync("/feeds/live.rss").DefaultTimeout());
        var enclosure = rss.Descendants("item").Single().Element("enclosure")!;
        Assert.Equal(("https://news.example.kz" + image.Largest, "image/jpeg"), (enclosure.Attribute("url")!.Value, enclosure.Attribute("type")!.Value));
        Assert.Contains($"src=\"https://news.example.kz{image.Src}\"", rss.Descendants("item").Single().Element("description")!.Value);
        Assert.DoesNotContain("\"/media/", rss.Descendants("item").Single().Element("description")!.Value);
        using var json = JsonDocument.Parse(await _server.Anonymous.GetStringAsync("/feeds/live.json").DefaultTimeout());
        Assert.Equal("https://news.example.kz" + image.Largest, json.RootElement.GetProperty("items")[0].GetProperty("image").GetString());
    }

    [Fact]
    public async Task A_photo_without_alt_text_or_credit_an_unknown_photo_and_a_body_image_without_alt_are_refused()
    {
        var (_, item) = await UploadAsync(_server.Http, TestPhotos.Jpeg(900, 600), "p.jpg", "image/jpeg");
        async Task<JsonElement> RefusedAsync(ArticleInput input)
        {
            using var response = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", input, PollTestKit.Json).DefaultTimeout();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        }
        Assert.Contains("imageAlt", (await RefusedAsync(new ArticleInput { Title = "t", Body = "<p>b</p>", ImageId = item!.Id, ImageCredit = "c" })).ToString());
        Assert.Contains("imageCredit", (await RefusedAsync(new ArticleInput { Title = "t", Body = "<p>b</p>", ImageId = item.Id, ImageAlt = "a" })).ToString());
        Assert.Contains("upload it first", (await RefusedAsync(new ArticleInput { Title = "t", Body = "<p>b</p>", ImageId = "m0000", ImageAlt = "a", ImageCredit = "c" })).GetProperty("imageId")[0].GetString());
        Assert.Contains("alt text", (await RefusedAsync(new ArticleInput { Title = "t", Body = $"<p>b</p><img src=\"{item.Image.Src}\">" })).GetProperty("body")[0].GetString());
        Assert.Contains("not both", (await RefusedAsync(new ArticleInput { Title = "t", Body = "<p>b</p>", ImageId = item.Id, ImageAlt = "a", ImageCredit = "c", ImageUrl = "https://x.kz/a.jpg" })).GetProperty("imageUrl")[0].GetString());
    }

    private static bool IsRed(SKColor c) => c.Red > 200 && c.Blue < 80;

    private static bool IsBlue(SKColor c) => c.Blue > 200 && c.Red < 80;

    private static MultipartFormDataContent Form(byte[] bytes, string name, string type)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        return new MultipartFormDataContent { { file, "file", name } };
    }

    public static async Task<(HttpStatusCode Status, MediaItem? Item)> UploadAsync(HttpClient client, byte[] bytes, string name, string type)
    {
        using var content = Form(bytes, name, type);
        using var response = await client.PostAsync("/api/newsroom/media", content).DefaultTimeout();
        return (response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<MediaItem>(PollTestKit.Json) : null);
    }
}
