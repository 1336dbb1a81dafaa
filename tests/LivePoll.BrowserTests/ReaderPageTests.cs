using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LivePoll.BrowserTests;

/// <summary>The reader page in Chromium against the real server (embedded Garnet with the seed page's demo data).</summary>
[Collection(ChromiumCollection.Name)]
public sealed class ReaderPageTests(Chromium chromium, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_new_reader_page_earns_its_voter_identity_in_the_background_and_votes_with_no_captcha()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderPageTests) + ".challenge");
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Challenge?", "иә", "жоқ");

        // A fresh browser (no lp_voter cookie): the reader clicks as soon as the options show.
        var reader = await browser.OpenAsync($"/?poll={pollId}");
        await reader.Locator("#poll .option-vote").First.ClickAsync();
        await Expect(reader.Locator("#poll .poll-voted")).ToContainTextAsync("Сіз дауыс бердіңіз");
        var votedAt = await reader.EvaluateAsync<double>("performance.now()");
        var readyAt = await reader.EvaluateAsync<double>("performance.getEntriesByName('livepoll:voter-ready')[0]?.startTime ?? -1");
        Assert.True(readyAt > 0, "the page obtained a voter identity by itself");
        Assert.Equal(0, await reader.Locator("iframe, altcha-widget, [class*=captcha]").CountAsync());
        var solving = await reader.EvaluateAsync<double>(
            "performance.measure('solve', 'livepoll:challenge-start', 'livepoll:challenge-solved').duration");
        output.WriteLine($"challenge solved in {solving:F0} ms; voter identity {readyAt:F0} ms and the vote shown {votedAt:F0} ms after navigation");

        using (var poll = await server.Http.GetAsync($"/api/newsroom/polls/{pollId}"))
        {
            Assert.Contains("\"totalVoters\":1", await poll.Content.ReadAsStringAsync());
        }
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_reader_votes_and_sees_the_bars_change_another_reader_sees_it_within_a_second_and_a_reload_keeps_you_voted()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderPageTests) + ".vote");
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Кешкі эфирді қай уақытта көресіз?", "18:00", "20:00", "22:00");

        var reader = await browser.OpenAsync($"/?poll={pollId}");
        var other = await browser.OpenAsync($"/?poll={pollId}&lang=ru");
        await PageSession.WaitLiveAsync(reader);
        await PageSession.WaitLiveAsync(other);
        await Expect(reader.Locator("#poll .poll-question")).ToHaveTextAsync("Кешкі эфирді қай уақытта көресіз?");
        await Expect(reader.Locator("#poll .option-vote")).ToHaveCountAsync(3);
        await Expect(reader.Locator("#poll .option-vote").Nth(1)).ToContainTextAsync("2. 20:00");

        await reader.Locator("#poll .option-vote").Nth(1).ClickAsync();

        var second = reader.Locator("#poll .poll-option").Nth(1);
        await Expect(reader.Locator("#poll .poll-voted")).ToContainTextAsync("Сіз дауыс бердіңіз");
        await Expect(second.Locator(".count")).ToHaveTextAsync("1");
        await Expect(second.Locator(".option-percent")).ToHaveTextAsync("100%");
        await Expect(second.Locator(".bar-fill")).ToHaveAttributeAsync("style", "width: 100%;");
        await Expect(second).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("chosen"));
        await Expect(reader.Locator("#poll .option-vote")).ToHaveCountAsync(0);

        // The other reader, with no reload: the new count within a second of the voter's own page showing it.
        await Expect(other.Locator("#poll .poll-option").Nth(1).Locator(".count")).ToHaveTextAsync("1", new() { Timeout = 1_000 });
        await Expect(other.Locator("#poll .poll-total")).ToContainTextAsync("Всего: 1 голос");
        await Expect(other.Locator("#poll .option-vote")).ToHaveCountAsync(3);

        await reader.ReloadAsync();
        await Expect(reader.Locator("#poll .poll-voted")).ToContainTextAsync("Сіз дауыс бердіңіз");
        await Expect(reader.Locator("#poll .poll-option.chosen")).ToContainTextAsync("20:00");
        await Expect(reader.Locator("#poll .option-vote")).ToHaveCountAsync(0);

        await browser.ScreenshotAsync(reader, "reader-kk");
        await browser.ScreenshotAsync(other, "reader-ru-other");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task The_seed_page_reads_in_kazakh_by_default_and_switches_to_russian_and_english_without_a_reload()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderPageTests) + ".languages");

        // The newest seed article is 20 minutes old: in the newsroom's first 20 minutes after midnight it is yesterday's.
        var (newest, today) = await ServerCalls.FeedDaysAsync(server.Http);
        var fromToday = newest == today;

        var page = await browser.OpenAsync("/");
        await PageSession.WaitLiveAsync(page);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "kk");
        await Expect(page.Locator("#feed-title")).ToHaveTextAsync("Оқиғалар лентасы");
        await Expect(page.Locator("#feed .day-heading").First).ToHaveTextAsync(fromToday ? "Бүгін" : "Кеше");
        await Expect(page.Locator("#poll-heading")).ToHaveTextAsync("Сауалнама");
        await Expect(page.Locator("#poll .poll-question")).ToHaveTextAsync("Бір уақыт белдеуіне ауысу сізге қалай әсер етті?");
        await Expect(page.Locator("#poll .option-count").Nth(1)).ToHaveTextAsync("(2184)");
        await Expect(page.Locator(".pinned .feed-item")).ToContainTextAsync("ІІМ: Қазақстанда киберқылмысқа қарсы күрес күшейтілуде");
        await Expect(page.Locator("#suggest-heading")).ToHaveTextAsync("Жаңалықтар ұсыныңыз");
        await browser.ScreenshotAsync(page, "reader-kk");

        await page.GetByRole(AriaRole.Button, new() { Name = "RU" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ru");
        await Expect(page.Locator("#feed-title")).ToHaveTextAsync("Лента событий");
        await Expect(page.Locator("#feed .day-heading").First).ToHaveTextAsync(fromToday ? "Сегодня" : "Вчера");
        await Expect(page.Locator("#suggest-heading")).ToHaveTextAsync("Предложите новость");
        await Expect(page.Locator("#status .status-text")).ToHaveTextAsync("В эфире");
        await browser.ScreenshotAsync(page, "reader-ru");

        await page.GetByRole(AriaRole.Button, new() { Name = "EN" }).ClickAsync();
        await Expect(page.Locator("#feed-title")).ToHaveTextAsync("Live feed");
        await Expect(page.Locator("#poll-heading")).ToHaveTextAsync("Poll");

        // The article view: photo with credit, source, body, permalink and share links.
        await page.Locator(".pinned .item-title a").First.ClickAsync();
        var article = page.Locator("#article-view");
        await Expect(article.Locator("h1")).ToHaveTextAsync("ІІМ: Қазақстанда киберқылмысқа қарсы күрес күшейтілуде");
        await Expect(article.Locator("figcaption")).ToHaveTextAsync("Photo: polisia.kz");
        await Expect(article.Locator(".article-source a")).ToHaveTextAsync("Polisia.kz");
        await Expect(article.Locator(".article-body")).ToContainTextAsync("Антифрод-орталық");
        await Expect(article.Locator(".share-link")).ToHaveCountAsync(6);
        await Expect(article.Locator(".permalink a")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/articles/"));
        Assert.Matches("/articles/[^/]+$", new Uri(page.Url).AbsolutePath);
        Assert.DoesNotContain("null", await page.Locator("main").InnerTextAsync());
        await browser.ScreenshotAsync(page, "article-en");

        // Structured data for search engines describes the feed as a live blog.
        var structured = await page.Locator("#structured-data").TextContentAsync();
        Assert.Contains("\"@type\":\"LiveBlogPosting\"", structured);
        Assert.Contains("liveBlogUpdate", structured);
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task On_a_phone_a_reader_votes_with_the_keyboard_and_a_tip_gets_a_confirmation_or_a_clear_error()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderPageTests) + ".phone");
        var page = await browser.OpenAsync("/", width: 390, height: 844, phone: true);
        await PageSession.WaitLiveAsync(page);

        await page.Locator("#poll .option-vote").First.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#poll .poll-voted")).ToBeVisibleAsync();
        await Expect(page.Locator("#poll .poll-option").First.Locator(".count")).ToHaveTextAsync("348");

        await page.Locator("#tip-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#tip-error")).ToHaveTextAsync("Не болғанын жазыңыз.");
        await page.Locator("#tip-text").FillAsync("Абай даңғылында жол жөндеу басталды.");
        await page.Locator("#tip-link").FillAsync("not a link");
        await page.Locator("#tip-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#tip-error")).ToContainTextAsync("link");
        await page.Locator("#tip-link").FillAsync("");
        await page.Locator("#tip-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#tip-thanks")).ToHaveTextAsync("Рахмет! Хабарыңыз редакцияға жетті.");
        await browser.ScreenshotAsync(page, "reader-phone");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_permalink_opened_directly_shows_the_server_rendered_article_and_then_goes_live()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderPageTests) + ".permalink");
        using var created = await server.Http.PostAsJsonAsync("/api/newsroom/articles",
            new ArticleInput { Title = "Permalink story", Lead = "Lead.", Body = "<p>Body text.</p>", Language = "en" }, ServerCalls.Json);
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(ServerCalls.Json))!;

        var page = await browser.OpenAsync($"/articles/{article.Id}?lang=en");
        await Expect(page.Locator("#article-view h1")).ToHaveTextAsync("Permalink story");
        await PageSession.WaitLiveAsync(page);
        // The script's copy replaced the server's: it has the back link and the share links.
        await Expect(page.Locator("#article-view .back-link")).ToBeVisibleAsync();
        await Expect(page.Locator("#article-view .share-link")).ToHaveCountAsync(6);
        await Expect(page.Locator("#feed-section")).ToBeHiddenAsync();

        // A correction made while the reader is on the permalink reaches it live.
        (await server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/corrections", new CorrectionInput { Note = "Fixed a name." }, ServerCalls.Json)).EnsureSuccessStatusCode();
        await Expect(page.Locator("#article-view .correction-note")).ToContainTextAsync("Fixed a name.");

        await page.Locator("#article-view .back-link").ClickAsync();
        await Expect(page.Locator("#feed .feed-item").First).ToContainTextAsync("Permalink story");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_polls_own_address_shows_it_from_the_server_and_takes_votes_live()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderPageTests) + ".poll-page");
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Which evening news?", "18:00", "21:00");

        var page = await browser.OpenAsync($"/polls/{pollId}?lang=en");
        await Expect(page.Locator("#poll .poll-question")).ToHaveTextAsync("Which evening news?");
        await PageSession.WaitLiveAsync(page);
        await page.Locator("#poll .option-vote").Nth(1).ClickAsync();
        await Expect(page.Locator("#poll .poll-option").Nth(1).Locator(".count")).ToHaveTextAsync("1");
        Assert.Contains("/results.png", await page.Locator("meta[property='og:image']").GetAttributeAsync("content"));
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Several_polls_on_one_page_are_live_in_an_article_and_below_the_main_poll()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderPageTests) + ".several-polls");
        var inArticle = await ServerCalls.CreatePollAsync(server.Http, "Poll in the article?", "a", "b");
        var newest = await ServerCalls.CreatePollAsync(server.Http, "Newest poll?", "x", "y");
        using var created = await server.Http.PostAsJsonAsync("/api/newsroom/articles",
            new ArticleInput { Title = "Story with a poll", Body = "<p>Read and vote.</p>", Language = "en", PollIds = [inArticle] }, ServerCalls.Json);
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(ServerCalls.Json))!;

        // The home page: the newest poll on top, the others (the demo poll, the article's poll) below it, each live.
        var home = await browser.OpenAsync("/?lang=en");
        await PageSession.WaitLiveAsync(home);
        await Expect(home.Locator("#poll .poll-question")).ToHaveTextAsync("Newest poll?");
        var more = home.Locator($"#more-polls [data-poll-id='{inArticle}']");
        await Expect(more.Locator(".poll-question")).ToHaveTextAsync("Poll in the article?");

        // The article's own page shows its poll; a vote there is seen on the home page's copy at once.
        var reading = await browser.OpenAsync($"/articles/{article.Id}?lang=en");
        await PageSession.WaitLiveAsync(reading);
        var poll = reading.Locator($"#article-view .article-poll[data-poll-id='{inArticle}']");
        await Expect(poll.Locator(".poll-question")).ToHaveTextAsync("Poll in the article?");
        await poll.Locator(".option-vote").Nth(1).ClickAsync();
        await Expect(poll.Locator(".poll-option").Nth(1).Locator(".count")).ToHaveTextAsync("1");
        await Expect(more.Locator(".poll-option").Nth(1).Locator(".count")).ToHaveTextAsync("1");
        await Expect(home.Locator("#poll .poll-option").Nth(1).Locator(".count")).ToHaveTextAsync("0");
        Assert.NotEqual(inArticle, newest);
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task An_article_with_two_polls_shows_both_live_and_a_vote_reaches_another_browser_within_a_second()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderPageTests) + ".two-polls");
        var first = await ServerCalls.CreatePollAsync(server.Http, "First question?", "a", "b");
        var second = await ServerCalls.CreatePollAsync(server.Http, "Second question?", "c", "d", "e");
        using var created = await server.Http.PostAsJsonAsync("/api/newsroom/articles",
            new ArticleInput { Title = "Two polls", Body = "<p>Vote twice.</p>", Language = "en", PollIds = [first, second] }, ServerCalls.Json);
        var article = (await created.Content.ReadFromJsonAsync<ArticleView>(ServerCalls.Json))!;

        // Two browsers (each its own context and voter) on the article.
        var voter = await browser.OpenAsync($"/articles/{article.Id}?lang=en");
        var watcher = await browser.OpenAsync($"/articles/{article.Id}?lang=en");
        await PageSession.WaitLiveAsync(voter);
        await PageSession.WaitLiveAsync(watcher);
        foreach (var page in new[] { voter, watcher })
        {
            await Expect(page.Locator($".article-poll[data-poll-id='{first}'] .poll-question")).ToHaveTextAsync("First question?");
            await Expect(page.Locator($".article-poll[data-poll-id='{second}'] .poll-question")).ToHaveTextAsync("Second question?");
        }

        await voter.Locator($".article-poll[data-poll-id='{second}'] .option-vote").Nth(2).ClickAsync();
        await Expect(voter.Locator($".article-poll[data-poll-id='{second}'] .poll-option").Nth(2).Locator(".count")).ToHaveTextAsync("1");
        await Expect(watcher.Locator($".article-poll[data-poll-id='{second}'] .poll-option").Nth(2).Locator(".count")).ToHaveTextAsync("1", new() { Timeout = 1_000 });
        await Expect(watcher.Locator($".article-poll[data-poll-id='{first}'] .poll-total")).ToContainTextAsync("0");

        await voter.Locator($".article-poll[data-poll-id='{first}'] .option-vote").Nth(0).ClickAsync();
        await Expect(watcher.Locator($".article-poll[data-poll-id='{first}'] .poll-option").Nth(0).Locator(".count")).ToHaveTextAsync("1", new() { Timeout = 1_000 });
        browser.AssertNoScriptErrors();
    }
}
