using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LivePoll.BrowserTests;

/// <summary>
/// The desk writes like a newsroom: an editor formats an article with the keyboard and the toolbar, drops a photo into
/// the text, sets a main photo from a phone with its description and credit, and publishes; a reader page open
/// meanwhile shows it live, formatted, with the photo; the permalink has the same formatting and its preview image;
/// a phone downloads no rendition wider than 960 pixels.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class DeskComposerTests(Chromium chromium)
{
    [Fact]
    public async Task An_editor_formats_an_article_adds_photos_and_publishes_and_readers_see_it_live_formatted_and_at_the_right_size()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(DeskComposerTests));
        var reader = await browser.OpenAsync("/?lang=en");
        await PageSession.WaitLiveAsync(reader);

        var desk = await browser.OpenAsync("/desk?lang=en", 1366, 768);
        await desk.Locator("#sign-in-name").FillAsync(LivePollServer.EditorAccount);
        await desk.Locator("#sign-in-password").FillAsync(LivePollServer.AccountPassword);
        await desk.Locator("#sign-in button[type=submit]").ClickAsync();
        await PageSession.WaitLiveAsync(desk);

        const string title = "Bridge over the Esil closed for repairs";
        await desk.Locator("#a-title").FillAsync(title);
        await Expect(desk.Locator("#a-title-count")).ToHaveTextAsync($"{title.Length} / 300");
        await desk.Locator("#a-lead").FillAsync("Traffic is diverted until Friday.");

        // The body, written with the keyboard: bold by its shortcut, a list and a quote from the toolbar, a link.
        var text = desk.Locator("#a-body .rte-content");
        await text.ClickAsync();
        await desk.Keyboard.PressAsync("Control+B");
        await desk.Keyboard.TypeAsync("Closed since morning");
        await desk.Keyboard.PressAsync("Control+B");
        await Expect(desk.Locator("#a-body .rte-bold")).ToHaveAttributeAsync("aria-pressed", "false");
        await desk.Keyboard.TypeAsync(", says the city. Details");
        await desk.Keyboard.PressAsync("Shift+Control+ArrowLeft");
        await desk.Locator("#a-body .rte-link").ClickAsync();
        var ask = desk.Locator("dialog.ask-dialog");
        await ask.Locator("input").FillAsync("https://astana.gov.kz/roads");
        await ask.GetByRole(AriaRole.Button, new() { Name = "OK" }).ClickAsync();
        await text.PressAsync("End");
        await desk.Keyboard.PressAsync("Enter");
        await desk.Locator("#a-body .rte-bulletList").ClickAsync();
        await Expect(desk.Locator("#a-body .rte-bulletList")).ToHaveAttributeAsync("aria-pressed", "true");
        await desk.Keyboard.TypeAsync("Detour by Kabanbay Batyr");
        await desk.Keyboard.PressAsync("Enter");
        await desk.Keyboard.TypeAsync("Buses 12 and 21 rerouted");
        await desk.Keyboard.PressAsync("Enter");
        await desk.Keyboard.PressAsync("Enter");
        await desk.Locator("#a-body .rte-quote").ClickAsync();
        // As for the list: type once the quote is on (a key sent before the editor has the focus back went elsewhere,
        // and the saved quote lost its first letter in one clean-clone run).
        await Expect(desk.Locator("#a-body .rte-quote")).ToHaveAttributeAsync("aria-pressed", "true");
        await desk.Keyboard.TypeAsync("We expect to reopen on Friday.");

        // A photo dropped onto the middle of the quote's sentence: uploaded, described, put after the quote (never splitting it).
        var inBody = TestPhotos.Jpeg(1800, 1200);
        await DropFileAsync(desk, "#a-body .rte-content blockquote p", inBody, "detour.jpg");
        await ask.Locator("input").FillAsync("Cars queueing at the detour");
        await ask.GetByRole(AriaRole.Button, new() { Name = "OK" }).ClickAsync();
        await Expect(text.Locator("img[alt='Cars queueing at the detour']")).ToBeVisibleAsync();

        // The main photo, from a phone: picked as a file, previewed, described and credited.
        await desk.Locator("#a-photo-file").SetInputFilesAsync(new FilePayload { Name = "IMG_0042.JPG", MimeType = "image/jpeg", Buffer = await TestPhotos.PhoneJpegAsync() });
        await Expect(desk.Locator("#a-photo-preview")).ToBeVisibleAsync();
        await desk.Locator("#a-image-alt").FillAsync("The closed bridge seen from the embankment");
        await desk.Locator("#a-credit").FillAsync("Photo: Aigerim Sadykova");
        await browser.ScreenshotAsync(desk, "desk-1366x768", fullPage: false);
        await desk.SetViewportSizeAsync(1024, 768);
        await browser.ScreenshotAsync(desk, "desk-1024x768", fullPage: false);

        // Every save the composer makes (the first creates the draft, the rest update it); the last one carries what was written.
        var saves = new List<string>();
        desk.Request += (_, request) =>
        {
            if ((request.Method is "POST" or "PUT") && System.Text.RegularExpressions.Regex.IsMatch(request.Url, "/api/newsroom/articles(/a[0-9]+)?$"))
            {
                lock (saves) { saves.Add(request.PostData ?? ""); }
            }
        };
        var answered = desk.WaitForResponseAsync(r => r.Request.Method == "POST" && r.Url.EndsWith("/publish", StringComparison.Ordinal));
        await desk.Locator("#a-publish").ClickAsync();
        var stored = JsonSerializer.Deserialize<ArticleView>(await (await answered).TextAsync(), ServerCalls.Json)!;
        string written;
        lock (saves) { written = JsonDocument.Parse(saves[^1]).RootElement.GetProperty("body").GetString()!; }
        // What the editor wrote is what the server kept.
        Assert.Equal(written, stored.Body);
        Assert.Contains("<strong>Closed since morning</strong>", written);
        Assert.Contains("<a href=\"https://astana.gov.kz/roads\">Details</a>", written);
        Assert.Contains("<ul><li><p>Detour by Kabanbay Batyr</p></li><li><p>Buses 12 and 21 rerouted</p></li></ul>", written);
        // The photo dropped on the quote is in the text, and the quote's sentence is whole (a drop never splits a block).
        Assert.True(written.Contains("<blockquote><p>We expect to reopen on Friday.</p></blockquote>", StringComparison.Ordinal)
            && written.Contains("alt=\"Cars queueing at the detour\"", StringComparison.Ordinal) && !written.Contains("<p></p>", StringComparison.Ordinal),
            $"the body as saved: {written}");
        Assert.Equal("The closed bridge seen from the embankment", stored.Image!.Alt);

        // The reader page, open all along, shows it live; opened, it is formatted, with both photos.
        var item = reader.Locator("#feed .feed-item", new() { HasText = title });
        await Expect(item).ToBeVisibleAsync();
        await Expect(item.Locator("picture.item-thumb img")).ToHaveAttributeAsync("srcset", stored.Image.Srcset);
        await item.Locator(".item-title a").ClickAsync();
        var view = reader.Locator("#article-view");
        await Expect(view.Locator(".article-body strong")).ToHaveTextAsync("Closed since morning");
        await Expect(view.Locator(".article-body a")).ToHaveAttributeAsync("href", "https://astana.gov.kz/roads");
        await Expect(view.Locator(".article-body li")).ToHaveCountAsync(2);
        await Expect(view.Locator(".article-body blockquote")).ToHaveTextAsync("We expect to reopen on Friday.");
        await Expect(view.Locator(".article-body img[alt='Cars queueing at the detour']")).ToBeVisibleAsync();
        await Expect(view.Locator("figure.article-photo img")).ToHaveAttributeAsync("alt", "The closed bridge seen from the embankment");
        await Expect(view.Locator("figure.article-photo figcaption")).ToContainTextAsync("Aigerim Sadykova");
        await browser.ScreenshotAsync(reader, "reader-article");

        // The permalink, rendered on the server, has the same formatting and the photo's preview crop.
        var permalink = new HtmlPage(await server.Anonymous.GetStringAsync($"/articles/{stored.Id}"));
        Assert.Equal(["Closed since morning"], permalink.FindAll(".article-body strong").Select(e => e.TextContent));
        Assert.Equal(2, permalink.FindAll(".article-body li").Count);
        Assert.Single(permalink.FindAll(".article-body blockquote"));
        Assert.Equal(stored.Image.Srcset, permalink.Find("figure.article-photo img")!.GetAttribute("srcset"));
        Assert.EndsWith(stored.Image.Social, permalink.Meta("og:image"));

        // A phone (390 CSS pixels at 3x) downloads no rendition wider than 960 pixels.
        var widths = new Dictionary<string, int>();
        foreach (var mediaId in new[] { stored.Image.MediaId, LivePoll.Server.Media.MediaStore.IdOf(inBody) })
        {
            var media = await server.Http.GetFromJsonAsync<MediaItem>($"/api/newsroom/media/{mediaId}", ServerCalls.Json);
            foreach (var rendition in media!.Renditions)
            {
                widths[rendition.Url] = rendition.Width;
            }
        }
        var phone = await browser.OpenAsync($"/articles/{stored.Id}?lang=en", 390, 844, phone: true, scale: 3);
        var loaded = new List<string>();
        phone.Response += (_, response) => { if (response.Url.Contains("/media/", StringComparison.Ordinal)) lock (loaded) { loaded.Add(new Uri(response.Url).AbsolutePath); } };
        await phone.ReloadAsync(new() { WaitUntil = WaitUntilState.NetworkIdle });
        await phone.Locator("figure.article-photo img").ScrollIntoViewIfNeededAsync();
        await phone.Locator(".article-body img").ScrollIntoViewIfNeededAsync();
        await phone.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await browser.ScreenshotAsync(phone, "phone-article");
        lock (loaded)
        {
            Assert.NotEmpty(loaded);
            Assert.All(loaded, url => Assert.True(widths[url] <= 960, $"a phone downloaded {url}, {widths[url]} pixels wide"));
        }
        browser.AssertNoScriptErrors();
    }

    /// <summary>Drops a file onto an element as the operating system would (a DataTransfer holding it).</summary>
    private static Task DropFileAsync(IPage page, string selector, byte[] bytes, string name) =>
        page.EvaluateAsync("""
            async ([selector, base64, name]) => {
              const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
              const target = document.querySelector(selector);
              // A person drops onto what they see: the target in view, the pointer in the middle of it.
              target.scrollIntoView({ block: "center" });
              const box = target.getBoundingClientRect();
              const at = { bubbles: true, cancelable: true, dataTransfer: transfer, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 };
              target.dispatchEvent(new DragEvent("dragenter", at));
              target.dispatchEvent(new DragEvent("dragover", at));
              target.dispatchEvent(new DragEvent("drop", at));
            }
            """, new object[] { selector, Convert.ToBase64String(bytes), name });
}
