using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LivePoll.BrowserTests;

/// <summary>The desk and the wall screen in Chromium, with reader pages watching what they do.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class NewsroomPagesTests(Chromium chromium)
{
    [Fact]
    public async Task The_desk_shows_a_polls_integrity_panel_and_its_CSV_export_downloads_and_matches_the_counts()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(NewsroomPagesTests) + ".integrity");
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Integrity?", "иә", "жоқ");
        for (var i = 0; i < 3; i++)
        {
            await ServerCalls.VoteAsync(server.LoadTool, pollId, i == 0 ? "1" : "2");
        }

        var desk = await browser.OpenAsync("/desk?lang=en");
        await SignInAsync(desk, LivePollServer.EditorAccount);
        await OpenTabAsync(desk, "Polls");
        var row = desk.Locator($"#polls tr[data-poll-id='{pollId}']");
        await row.Locator(".integrity-toggle").ClickAsync();
        var panel = desk.Locator(".integrity-row");
        await Expect(panel.Locator(".integrity-verdict")).ToContainTextAsync("2 %");
        await Expect(panel.Locator(".integrity-chart rect")).Not.ToHaveCountAsync(0);
        await Expect(panel.Locator(".integrity-networks tbody tr")).ToHaveCountAsync(1);   // every vote came from loopback
        await browser.ScreenshotAsync(desk, "desk-integrity");

        // Exclude that network (the exempt load-tool key's): its three votes are held and the count drops to nothing;
        // admitting it counts them again.
        await panel.Locator(".network-action").ClickAsync();
        await Expect(panel.Locator(".integrity-held")).ToContainTextAsync("3");
        Assert.Equal(0, (await server.Http.GetFromJsonAsync<PollSnapshot>($"/api/newsroom/polls/{pollId}", ServerCalls.Json))!.TotalVoters);
        await panel.Locator(".network-action").ClickAsync();
        await Expect(panel.Locator(".integrity-held")).ToContainTextAsync("0");

        var download = await desk.RunAndWaitForDownloadAsync(() => panel.Locator(".export-results").ClickAsync());
        Assert.Equal($"poll-{pollId}-results.csv", download.SuggestedFilename);
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Equal("option_id,option_text,votes,share_of_voters\n1,иә,1,0.3333\n2,жоқ,2,0.6667\n_total_voters,,3,1\n", csv);
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task The_desk_schedules_keeps_drafts_attaches_polls_makes_a_draft_of_a_tip_and_logs_who_did_it()
    {
        // The server's clock can be moved: a publication scheduled two minutes ahead comes due when it is.
        var clock = new SettableClock();
        await using var server = await LivePollServer.StartAsync("", services: s => s.AddSingleton<TimeProvider>(clock));
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(NewsroomPagesTests) + ".desk-job");
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Attach me?", "a", "b");
        using (var tip = await server.Anonymous.PostAsJsonAsync("/api/tips", new { text = "A bridge is closed\nOn the Esil, since morning.", name = "Aru", creditConsent = true }))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, tip.StatusCode);
        }

        var reader = await browser.OpenAsync("/?lang=en");
        await PageSession.WaitLiveAsync(reader);
        var desk = await browser.OpenAsync("/desk?lang=en");
        await SignInAsync(desk, LivePollServer.EditorAccount);
        await PageSession.WaitLiveAsync(desk);

        // Two minutes ahead in the newsroom's time zone (Asia/Almaty), with the poll attached.
        var almaty = TimeZoneInfo.FindSystemTimeZoneById(PageSession.NewsroomTimeZone);
        var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, almaty);
        var at = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0).AddMinutes(2);
        await desk.Locator("#a-title").FillAsync("Scheduled story");
        await desk.Locator("#a-body .rte-content").FillAsync("Later.");
        await desk.Locator(".more-fields > summary").ClickAsync();
        await desk.Locator("#a-publish-at").FillAsync(at.ToString("yyyy-MM-dd'T'HH:mm"));
        await desk.Locator("#a-polls").SelectOptionAsync(pollId);
        await desk.Locator("#a-publish").ClickAsync();
        await Expect(desk.Locator("#articles li", new() { HasText = "Scheduled story" })).ToContainTextAsync("Scheduled");
        var scheduled = (await server.Http.GetFromJsonAsync<List<ArticleView>>("/api/newsroom/articles", ServerCalls.Json))!.Single(a => a.Title == "Scheduled story");
        Assert.Equal(TimeZoneInfo.ConvertTimeToUtc(at, almaty), scheduled.PublishAt);
        Assert.Equal([pollId], scheduled.PollIds);

        // A draft: the composer saves it by itself as it is written, and "Save draft" at once.
        await Expect(desk.Locator("#composer-heading")).ToHaveTextAsync("New article");
        await desk.Locator("#a-title").FillAsync("Draft story");
        await desk.Locator("#a-body .rte-content").FillAsync("Not yet.");
        await desk.Locator("#a-save").ClickAsync();
        await Expect(desk.Locator("#save-state")).ToHaveAttributeAsync("data-state", "saved");
        await Expect(desk.Locator("#articles li", new() { HasText = "Draft story" })).ToContainTextAsync("Draft");
        await desk.Locator("#new-article").ClickAsync();

        // The clock passes the time: the open reader page shows the story by itself.
        clock.Set(DateTimeOffset.UtcNow.AddMinutes(3));
        await Expect(reader.Locator("#feed .feed-item").First).ToContainTextAsync("Scheduled story");

        // The drafts list; a tip made into a draft with the reader's credit, then published from its row.
        await desk.Locator("#article-filter .chip", new() { HasText = "Draft" }).ClickAsync();
        await Expect(desk.Locator("#articles li.article-row")).ToHaveCountAsync(1);
        await OpenTabAsync(desk, "Tips");
        await desk.Locator("#tips .tip", new() { HasText = "A bridge is closed" }).GetByRole(AriaRole.Button, new() { Name = "Make a draft" }).ClickAsync();
        await OpenTabAsync(desk, "Articles");
        var tipRow = desk.Locator("#articles li.article-row", new() { HasText = "A bridge is closed" });
        await Expect(desk.Locator("#articles li.article-row")).ToHaveCountAsync(2);
        await tipRow.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(reader.Locator("#feed .feed-item").First).ToContainTextAsync("A bridge is closed");
        var fromTip = (await server.Http.GetFromJsonAsync<List<ArticleView>>("/api/newsroom/articles", ServerCalls.Json))!.Single(a => a.Title == "A bridge is closed");
        Assert.Equal(("Aru", ArticleState.Published), (fromTip.TipCredit, fromTip.State));

        // Who did each thing, in words, in the desk's log and in its CSV export.
        await OpenTabAsync(desk, "Activity");
        await Expect(desk.Locator("#activity li").First).ToContainTextAsync($"{LivePollServer.EditorName} published «A bridge is closed»");
        await Expect(desk.Locator("#activity li").First.Locator("a")).ToHaveAttributeAsync("href", $"/articles/{fromTip.Id}");
        await Expect(desk.Locator("#activity")).ToContainTextAsync("made a draft of a tip:");
        await Expect(desk.Locator("#activity")).ToContainTextAsync("scheduled «Scheduled story»");
        await browser.ScreenshotAsync(desk, "desk-activity");
        var logged = (await server.Http.GetFromJsonAsync<List<LivePoll.Server.Newsroom.ActivityEntry>>("/api/newsroom/activity", ServerCalls.Json))!;
        var download = await desk.RunAndWaitForDownloadAsync(() => desk.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        var rows = CsvRows(await File.ReadAllTextAsync((await download.PathAsync())!));
        Assert.Equal(logged.Count + 1, rows.Count);
        Assert.Equal(logged.Select(e => (e.Who, e.WhoName, e.Action, e.Title)), rows.Skip(1).Select(c => (c[1], (string?)c[2], c[4], c[6] == "" ? null : c[6])));
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task An_editor_publishes_corrects_and_retracts_in_the_desk_and_open_reader_pages_follow_live()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(NewsroomPagesTests) + ".desk");
        var reader = await browser.OpenAsync("/?lang=ru");
        var scrolled = await browser.OpenAsync("/", width: 1000, height: 500);
        var desk = await browser.OpenAsync("/desk");
        await SignInAsync(desk, LivePollServer.EditorAccount);
        await PageSession.WaitLiveAsync(reader);
        await PageSession.WaitLiveAsync(scrolled);
        await PageSession.WaitLiveAsync(desk);
        await scrolled.EvaluateAsync("() => window.scrollTo(0, document.body.scrollHeight)");

        const string title = "В Алматы открылась новая велодорожка";
        await desk.Locator("#a-title").FillAsync(title);
        await desk.Locator("#a-lead").FillAsync("Маршрут длиной 12 км соединил три района.");
        await desk.Locator("#a-body .rte-content").FillAsync("Велодорожку открыли утром.");
        await desk.Locator(".more-fields > summary").ClickAsync();
        await desk.Locator("#a-language").SelectOptionAsync("ru");
        await desk.Locator("#a-publish").ClickAsync();
        await Expect(desk.Locator("#articles li.article-row", new() { HasText = title })).ToBeVisibleAsync();

        // Under today's heading, in the reader's language, without a reload.
        var today = reader.Locator("#feed section.day").First;
        await Expect(today.Locator(".day-heading")).ToHaveTextAsync("Сегодня");
        await Expect(today.Locator(".feed-item").First).ToContainTextAsync(title);
        // A reader who scrolled down gets a pill instead of a jump, and the article when they ask for it.
        await Expect(scrolled.Locator("#new-pill")).ToHaveTextAsync("1 жаңа жаңалық ↑");
        await Expect(scrolled.Locator("#feed .feed-item", new() { HasText = title })).ToHaveCountAsync(0);
        await scrolled.Locator("#new-pill").ClickAsync();
        await Expect(scrolled.Locator("#feed .feed-item", new() { HasText = title })).ToBeVisibleAsync();

        var row = desk.Locator("#articles li.article-row", new() { HasText = title });
        await row.Locator(".row-more > summary").ClickAsync();
        await row.Locator("details.correct > summary").ClickAsync();
        await row.Locator("input[name=note]").FillAsync("Уточнена длина маршрута: 14 км.");
        await row.Locator("input[name=title]").FillAsync(title + " длиной 14 км");
        await row.Locator("details.correct form button[type=submit]").ClickAsync();
        var item = reader.Locator("#feed .feed-item", new() { HasText = title });
        await Expect(item.Locator(".correction-note")).ToContainTextAsync("Уточнена длина маршрута: 14 км.");
        await Expect(item.Locator(".item-title")).ToHaveTextAsync(title + " длиной 14 км");
        await Expect(item.Locator(".corrected-badge")).ToHaveTextAsync("Исправлено");
        await browser.ScreenshotAsync(reader, "reader-ru");
        await browser.ScreenshotAsync(desk, "desk");

        var corrected = desk.Locator("#articles li.article-row", new() { HasText = title });
        if (!await corrected.Locator(".row-more").EvaluateAsync<bool>("d => d.open"))
        {
            await corrected.Locator(".row-more > summary").ClickAsync();
        }
        await corrected.GetByRole(AriaRole.Button, new() { Name = "Алып тастау" }).ClickAsync();
        await Expect(reader.Locator("#feed .feed-item", new() { HasText = title })).ToHaveCountAsync(0);
        await Expect(scrolled.Locator("#feed .feed-item", new() { HasText = title })).ToHaveCountAsync(0);
        await Expect(desk.Locator("#articles li.article-row", new() { HasText = title }).Locator(".state")).ToHaveTextAsync("Алынған");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_tip_from_a_reader_page_appears_on_the_screen_and_in_the_desk_and_never_on_another_reader_page()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(NewsroomPagesTests) + ".tips");
        var screen = await browser.OpenAsync("/screen", width: 1920, height: 1080);
        await SignInAsync(screen, LivePollServer.ScreenAccount);
        var desk = await browser.OpenAsync("/desk");
        await SignInAsync(desk, LivePollServer.EditorAccount);
        var tipster = await browser.OpenAsync("/");
        var bystander = await browser.OpenAsync("/");
        foreach (var page in new[] { screen, desk, tipster, bystander })
        {
            await PageSession.WaitLiveAsync(page);
        }
        await Expect(screen.Locator(".poll-question")).ToHaveTextAsync("Бір уақыт белдеуіне ауысу сізге қалай әсер етті?");
        await Expect(screen.Locator("#join-url")).ToContainTextAsync("/?poll=1");
        await Expect(screen.Locator("#qr svg")).ToBeVisibleAsync();

        const string text = "Сарыарқа көшесінде су құбыры жарылды, жол жабық.";
        await tipster.Locator("#tip-text").FillAsync(text);
        await tipster.Locator("#tip-name").FillAsync("Әлия");
        await tipster.Locator("#tip-form button[type=submit]").ClickAsync();
        await Expect(tipster.Locator("#tip-thanks")).ToBeVisibleAsync();

        await Expect(screen.Locator("#tips li", new() { HasText = text })).ToContainTextAsync("Кімнен: Әлия");
        await OpenTabAsync(desk, "Оқырман хабарлары");
        await Expect(desk.Locator("#tips .tip", new() { HasText = text })).ToBeVisibleAsync();
        // A vote moves the wall's bars and total (from the exempt load-tool key: a new voter without a challenge to solve).
        using (var voted = await server.LoadTool.PostAsJsonAsync("/api/polls/1/votes", new { optionIds = new[] { "3" } }))
        {
            Assert.Equal(HttpStatusCode.OK, voted.StatusCode);
        }
        await Expect(screen.Locator("#total-votes")).ToHaveTextAsync("2605");
        await browser.ScreenshotAsync(screen, "screen");

        // Readers never receive tips: the other reader's page has not seen it, live or in its markup.
        Assert.DoesNotContain(text, await bystander.ContentAsync());
        Assert.DoesNotContain(text, await tipster.Locator("main").InnerTextAsync());

        await desk.Locator("#tips .tip", new() { HasText = text }).GetByRole(AriaRole.Button, new() { Name = "Өңделді деп белгілеу" }).ClickAsync();
        await Expect(screen.Locator("#tips li", new() { HasText = text })).ToHaveCountAsync(0);
        await Expect(desk.Locator("#tips .tip", new() { HasText = text })).ToHaveCountAsync(0);
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task The_screen_recovers_by_itself_after_the_server_restarts()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var prefix = TestPrefix.New();
        var node = await NodeProcess.StartAsync("screen-node", redis.Configuration, prefix);
        try
        {
            using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeoutExtensions.Default };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LivePollServer.EditorKey);
            var pollId = await ServerCalls.CreatePollAsync(http, "Кім жеңеді?", "Қайрат", "Астана");

            await using var browser = new PageSession(chromium.Browser, node.BaseAddress, nameof(NewsroomPagesTests) + ".restart");
            var screen = await browser.OpenAsync("/screen#key=" + LivePollServer.ScreenKey, width: 1920, height: 1080);
            await PageSession.WaitLiveAsync(screen);
            await Expect(screen.Locator(".poll-question")).ToHaveTextAsync("Кім жеңеді?");

            await node.KillAsync();
            await node.DisposeAsync();
            await Expect(screen.Locator("#status")).Not.ToHaveAttributeAsync("data-state", "live");

            node = await NodeProcess.StartAsync("screen-node", redis.Configuration, prefix, node.Port);
            await PageSession.WaitLiveAsync(screen);

            // Live again with no reload: a vote and an article made after the restart reach the wall.
            await ServerCalls.VoteAsync(http, pollId, "2");
            await Expect(screen.Locator("#total-votes")).ToHaveTextAsync("1");
            await Expect(screen.Locator(".poll-option").Nth(1).Locator(".count")).ToHaveTextAsync("1");
            using (var published = await http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Эфир қайта басталды", Body = "<p>.</p>" }))
            {
                Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            }
            await Expect(screen.Locator("#latest li", new() { HasText = "Эфир қайта басталды" })).ToBeVisibleAsync();
            await browser.ScreenshotAsync(screen, "screen-after-restart");
            browser.AssertNoScriptErrors();
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    /// <summary>Rows of a CSV document (RFC 4180: quoted fields may hold commas, quotes and line breaks).</summary>
    private static List<string[]> CsvRows(string text)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n') { fields.Add(field.ToString()); field.Clear(); rows.Add([.. fields]); fields.Clear(); }
            else field.Append(c);
        }
        return rows;
    }

    /// <summary>Opens one of the desk's tabs by its name (in the page's language).</summary>
    internal static Task OpenTabAsync(IPage desk, string name) => desk.GetByRole(AriaRole.Tab, new() { Name = name }).ClickAsync();

    internal static async Task SignInAsync(IPage page, string account)
    {
        await page.Locator("#sign-in-name").FillAsync(account);
        await page.Locator("#sign-in-password").FillAsync(LivePollServer.AccountPassword);
        await page.Locator("#sign-in button[type=submit]").ClickAsync();
        await Expect(page.Locator("#sign-in")).ToBeHiddenAsync();
    }
}
