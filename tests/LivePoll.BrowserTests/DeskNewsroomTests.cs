using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LivePoll.BrowserTests;

/// <summary>
/// A newsroom of several people at the desk: a contributor writes and submits, an editor on another browser sees it
/// arrive, returns it with a note, the contributor fixes it and submits again, the editor publishes, and readers see the
/// byline live; the composer autosaves into the store so a reload or another device finds the text, and two people
/// editing one article never overwrite each other.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class DeskNewsroomTests(Chromium chromium)
{
    [Fact]
    public async Task A_contributor_submits_an_editor_returns_it_with_a_note_then_publishes_it_and_readers_see_the_byline_live()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(DeskNewsroomTests) + ".flow");
        var reader = await browser.OpenAsync("/?lang=en");
        await PageSession.WaitLiveAsync(reader);
        var reporter = await OpenDeskAsync(browser, LivePollServer.ContributorAccount);
        var editor = await OpenDeskAsync(browser, LivePollServer.EditorAccount);

        // The contributor writes: no publish button, a submit one; the draft is saved as it is written.
        await Expect(reporter.Locator("#a-publish")).ToBeHiddenAsync();
        const string title = "Flood warning for the Ural river";
        await reporter.Locator("#a-title").FillAsync(title);
        await reporter.Locator("#a-body .rte-content").FillAsync("Water rose 40 cm overnight.");
        await Expect(reporter.Locator("#save-state")).ToHaveAttributeAsync("data-state", "saved");
        await reporter.Locator("#a-submit").ClickAsync();
        await Expect(reporter.Locator("#composer-heading")).ToHaveTextAsync("New article");

        // The editor sees it arrive, without a reload, and returns it with a note.
        var row = editor.Locator("#articles li.article-row", new() { HasText = title });
        await Expect(row.Locator(".state")).ToHaveTextAsync("Submitted");
        await Expect(editor.Locator("#articles-count")).ToHaveTextAsync("1");
        await row.GetByRole(AriaRole.Button, new() { Name = "Return" }).ClickAsync();
        await editor.Locator("dialog.ask-dialog input").FillAsync("Add the source: the emergency ministry.");
        await editor.Locator("dialog.ask-dialog").GetByRole(AriaRole.Button, new() { Name = "OK" }).ClickAsync();

        // The contributor sees it returned with the note, opens it, fixes it and submits again.
        var mine = reporter.Locator("#articles li.article-row", new() { HasText = title });
        await Expect(mine.Locator(".return-note")).ToContainTextAsync("Add the source: the emergency ministry.");
        await mine.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await Expect(reporter.Locator("#returned")).ToContainTextAsync($"Returned by {LivePollServer.EditorName}");
        await reporter.Locator("#a-body .rte-content").PressAsync("End");
        await reporter.Keyboard.TypeAsync(" Source: the emergency ministry.");
        await browser.ScreenshotAsync(reporter, "contributor-returned", fullPage: false);
        await reporter.Keyboard.PressAsync("Control+Enter");
        await Expect(row.Locator(".state")).ToHaveTextAsync("Submitted");

        // The editor publishes; the contributor's list says who published it, at once.
        await browser.ScreenshotAsync(editor, "editor-submission", fullPage: false);
        await row.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(mine).ToContainTextAsync($"published by {LivePollServer.EditorName}");

        // Readers see it live with its byline; the permalink's structured data names the author.
        var item = reader.Locator("#feed .feed-item", new() { HasText = title });
        await Expect(item.Locator(".item-byline")).ToHaveTextAsync(LivePollServer.ContributorName);
        var article = (await server.Http.GetFromJsonAsync<List<ArticleView>>("/api/newsroom/articles", ServerCalls.Json))!.Single(a => a.Title == title);
        Assert.Contains("Source: the emergency ministry.", article.Body);
        var permalink = new HtmlPage(await server.Anonymous.GetStringAsync($"/articles/{article.Id}"));
        using var data = JsonDocument.Parse(permalink.Find("script#article-data")!.TextContent);
        Assert.Equal(LivePollServer.ContributorName, data.RootElement.GetProperty("author").GetProperty("name").GetString());
        Assert.Equal(LivePollServer.ContributorName, permalink.Find(".article-byline")!.TextContent);

        // Each step is in the activity log, in words, with who did it.
        await NewsroomPagesTests.OpenTabAsync(editor, "Activity");
        var log = editor.Locator("#activity");
        await Expect(log.Locator("li").First).ToContainTextAsync($"{LivePollServer.EditorName} published «{title}»");
        await Expect(log).ToContainTextAsync($"{LivePollServer.EditorName} returned to its author «{title}»");
        await Expect(log).ToContainTextAsync($"{LivePollServer.ContributorName} submitted «{title}»");
        await Expect(log).ToContainTextAsync($"{LivePollServer.ContributorName} started a draft");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task The_composer_survives_a_reload_opens_on_another_device_and_a_concurrent_edit_loses_nothing()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(DeskNewsroomTests) + ".autosave");
        var laptop = await OpenDeskAsync(browser, LivePollServer.ContributorAccount);
        await laptop.Locator("#a-title").FillAsync("Night shift notes");
        await laptop.Locator("#a-body .rte-content").FillAsync("The mayor's office confirmed the closure.");
        await Expect(laptop.Locator("#save-state")).ToHaveAttributeAsync("data-state", "saved");

        // A reload (or a crash) brings the text back.
        await laptop.ReloadAsync();
        await PageSession.WaitLiveAsync(laptop);
        await Expect(laptop.Locator("#a-title")).ToHaveValueAsync("Night shift notes");
        await Expect(laptop.Locator("#a-body .rte-content")).ToHaveTextAsync("The mayor's office confirmed the closure.");

        // Another device of the same person opens on the same draft.
        var phone = await OpenDeskAsync(browser, LivePollServer.ContributorAccount, width: 1024, height: 768);
        await Expect(phone.Locator("#a-title")).ToHaveValueAsync("Night shift notes");
        await Expect(phone.Locator("#a-body .rte-content")).ToHaveTextAsync("The mayor's office confirmed the closure.");

        // The laptop's connection drops while the contributor types on (the text waits in the page); meanwhile an editor
        // opens that draft and changes it. Back online, the laptop's save is refused, and the contributor is told who.
        await laptop.Context.SetOfflineAsync(true);
        await laptop.Locator("#a-body .rte-content").PressAsync("End");
        await laptop.Keyboard.TypeAsync(" Roads reopen at six.");
        await Expect(laptop.Locator("#save-state")).ToHaveAttributeAsync("data-state", "dirty");
        var editor = await OpenDeskAsync(browser, LivePollServer.EditorAccount);
        await editor.Locator("#articles li.article-row", new() { HasText = "Night shift notes" }).GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await Expect(editor.Locator("#composer-heading")).ToHaveTextAsync("Editing: Night shift notes");
        await editor.Locator("#a-title").FillAsync("Night shift notes (edited)");
        await TimeoutExtensions.WaitUntilAsync(async () => (await server.Http.GetFromJsonAsync<List<ArticleView>>("/api/newsroom/articles", ServerCalls.Json))!
            .Any(a => a.Title == "Night shift notes (edited)"), "the editor's change is saved");
        await laptop.Context.SetOfflineAsync(false);
        await Expect(laptop.Locator("#conflict")).ToBeVisibleAsync();
        await Expect(laptop.Locator("#conflict-text")).ToContainTextAsync(LivePollServer.EditorName);
        await browser.ScreenshotAsync(laptop, "conflict", fullPage: false);

        // Nothing is lost: the contributor keeps their text as a copy; the editor's version stays as it is.
        await laptop.Locator("#conflict-copy").ClickAsync();
        await Expect(laptop.Locator("#conflict")).ToBeHiddenAsync();
        await Expect(laptop.Locator("#save-state")).ToHaveAttributeAsync("data-state", "saved");
        var all = (await server.Http.GetFromJsonAsync<List<ArticleView>>("/api/newsroom/articles", ServerCalls.Json))!;
        Assert.Contains(all, a => a.Title == "Night shift notes (edited)" && a.Body.Contains("confirmed the closure.") && !a.Body.Contains("Roads reopen"));
        Assert.Contains(all, a => a.Title == "Night shift notes" && a.Body.Contains("Roads reopen at six.") && a.Desk!.Author == LivePollServer.ContributorAccount);
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task What_is_typed_survives_a_node_killed_with_SIGKILL_behind_the_balancer()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var prefix = TestPrefix.New();
        var accounts = new Dictionary<string, string>
        {
            ["Newsroom__Accounts__0__Name"] = LivePollServer.ContributorAccount,
            ["Newsroom__Accounts__0__DisplayName"] = LivePollServer.ContributorName,
            ["Newsroom__Accounts__0__Role"] = "contributor",
            ["Newsroom__Accounts__0__PasswordHash"] = LivePoll.Server.Newsroom.Passwords.Hash(LivePollServer.AccountPassword),
        };
        await using var node1 = await NodeProcess.StartAsync("node-a", redis.Configuration, prefix, settings: accounts);
        await using var node2 = await NodeProcess.StartAsync("node-b", redis.Configuration, prefix, settings: accounts);
        await using var nginx = await NginxProcess.StartAsync(node1, node2);
        await using var browser = new PageSession(chromium.Browser, nginx.BaseAddress, nameof(DeskNewsroomTests) + ".kill");

        var desk = await OpenDeskAsync(browser, LivePollServer.ContributorAccount);
        await desk.Locator("#a-title").FillAsync("Written through the balancer");
        await desk.Locator("#a-body .rte-content").FillAsync("First paragraph, saved before the crash.");
        await Expect(desk.Locator("#save-state")).ToHaveAttributeAsync("data-state", "saved");

        // A node dies as a crash would; the desk goes on writing, and its saves reach the node that lives.
        await node1.KillAsync();
        await desk.Locator("#a-body .rte-content").PressAsync("End");
        await desk.Keyboard.TypeAsync(" Second, typed after it.");
        await Expect(desk.Locator("#save-state")).ToHaveAttributeAsync("data-state", "saved", new() { Timeout = 30_000 });

        // Reloaded (or opened on another device): all of it is there.
        await desk.ReloadAsync();
        await PageSession.WaitLiveAsync(desk);
        await Expect(desk.Locator("#a-title")).ToHaveValueAsync("Written through the balancer");
        await Expect(desk.Locator("#a-body .rte-content")).ToHaveTextAsync("First paragraph, saved before the crash. Second, typed after it.");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Axe_finds_no_serious_or_critical_accessibility_problem_on_the_desk()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(DeskNewsroomTests) + ".axe");
        var desk = await OpenDeskAsync(browser, LivePollServer.EditorAccount);
        await desk.Locator("#a-title").FillAsync("Checked by axe");
        var problems = new List<string>();
        foreach (var tab in new[] { "Articles", "Polls", "Reader tips", "Activity log" })
        {
            await NewsroomPagesTests.OpenTabAsync(desk, tab);
            problems.AddRange(await AxeAsync(desk, tab));
        }
        var reporter = await OpenDeskAsync(browser, LivePollServer.ContributorAccount);
        problems.AddRange(await AxeAsync(reporter, "contributor"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>axe-core (from the pages' npm packages) on the page as it is: its serious and critical violations.</summary>
    internal static async Task<IReadOnlyList<string>> AxeAsync(IPage page, string where)
    {
        var axe = Path.Combine(NginxProcess.RepositoryRoot(), "src", "LivePoll.Server", "ClientApp", "node_modules", "axe-core", "axe.min.js");
        // Evaluated by the browser's debugging protocol, not as a page script: the page's content security policy stays as it is.
        await page.EvaluateAsync(await File.ReadAllTextAsync(axe));
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}`)
            """);
        return [.. violations.EnumerateArray().Select(v => $"{where}: {v.GetString()}")];
    }

    private static async Task<IPage> OpenDeskAsync(PageSession browser, string account, int width = 1366, int height = 768)
    {
        var desk = await browser.OpenAsync("/desk?lang=en", width, height);
        await NewsroomPagesTests.SignInAsync(desk, account);
        await PageSession.WaitLiveAsync(desk);
        return desk;
    }
}
