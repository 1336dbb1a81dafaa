using System.Net.Http.Headers;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LivePoll.BrowserTests;

/// <summary>Poll kinds as readers and editors use them: a ranking by keyboard alone, a rating on a phone, a quiz made and revealed at the desk.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class PollKindPageTests(Chromium chromium)
{
    [Fact]
    public async Task A_reader_ranks_the_options_with_the_keyboard_alone_and_the_Borda_points_are_what_they_sent()
    {
        await using var server = await LivePollServer.StartAsync("", new Dictionary<string, string?> { ["Voters:ChallengeMaxNumber"] = "0" });
        var pollId = await CreateAsync(server.Http, new CreatePollRequest
        {
            Question = "Which should the city fund first?",
            Kind = PollKind.Ranking,
            Options = [new() { Text = "Roads" }, new() { Text = "Schools" }, new() { Text = "Hospitals" }, new() { Text = "Parks" }],
        });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(PollKindPageTests) + ".ranking");
        var reader = await browser.OpenAsync($"/polls/{pollId}?lang=en");
        await PageSession.WaitLiveAsync(reader);
        await Expect(reader.Locator(".ranking-item")).ToHaveCountAsync(4);

        // Tab to "Move down: Roads", press Enter three times (focus follows Roads down), then Tab to the send button.
        await TabToAsync(reader, "Move down: Roads");
        for (var i = 0; i < 3; i++)
        {
            await reader.Keyboard.PressAsync("Enter");
        }
        await Expect(reader.Locator(".ranking-item .ranking-text")).ToHaveTextAsync(["Schools", "Hospitals", "Parks", "Roads"]);
        await Expect(reader.Locator(".ranking [role=status]")).ToHaveTextAsync("Roads: now in place 4");
        await TabToAsync(reader, "Send my ranking");
        await reader.Keyboard.PressAsync("Enter");
        await Expect(reader.Locator("#poll .poll-voted")).ToBeVisibleAsync();
        await Expect(reader.Locator("#poll .poll-option", new() { HasText = "Schools" }).Locator(".option-percent")).ToHaveTextAsync("3 pts · average place 1");

        var poll = (await server.Http.GetFromJsonAsync<PollSnapshot>($"/api/polls/{pollId}", ServerCalls.Json))!;
        Assert.Equal([0L, 3L, 2L, 1L], poll.Options.Select(o => o.Count!.Value));
        await browser.ScreenshotAsync(reader, "ranking-sent");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_reader_on_a_phone_rates_with_a_tap_and_sees_the_average_move_live()
    {
        await using var server = await LivePollServer.StartAsync("", new Dictionary<string, string?> { ["Voters:ChallengeMaxNumber"] = "0" });
        var pollId = await CreateAsync(server.Http, new CreatePollRequest { Question = "Как вы оцениваете ответ министра?", Kind = PollKind.Rating });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(PollKindPageTests) + ".rating");
        var phone = await browser.OpenAsync($"/polls/{pollId}?lang=ru", width: 390, height: 844, phone: true, scale: 2);
        await PageSession.WaitLiveAsync(phone);
        await Expect(phone.Locator("#poll .rating-value")).ToHaveCountAsync(5);

        await phone.Locator("#poll .rating-value[aria-label='4 из 5']").TapAsync();
        await Expect(phone.Locator("#poll .poll-voted")).ToBeVisibleAsync();
        await Expect(phone.Locator("#poll .poll-average")).ToHaveTextAsync("Средняя оценка: 4 из 5");

        // Someone else rates 2: the average moves on the phone without a reload.
        await ServerCalls.VoteAsync(server.Http, pollId, "2");
        await Expect(phone.Locator("#poll .poll-average")).ToHaveTextAsync("Средняя оценка: 3 из 5", new() { Timeout = 2_000 });
        await Expect(phone.Locator("#poll .poll-total")).ToContainTextAsync("2");
        // Nothing wider than the phone: no sideways scrolling.
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        await browser.ScreenshotAsync(phone, "rating-phone");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task An_editor_makes_a_quiz_at_the_desk_and_readers_see_the_right_answer_only_when_it_is_revealed()
    {
        await using var server = await LivePollServer.StartAsync("", new Dictionary<string, string?> { ["Voters:ChallengeMaxNumber"] = "0" });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(PollKindPageTests) + ".quiz");
        var desk = await browser.OpenAsync("/desk?lang=en", 1366, 768);
        await NewsroomPagesTests.SignInAsync(desk, LivePollServer.EditorAccount);
        await PageSession.WaitLiveAsync(desk);
        await NewsroomPagesTests.OpenTabAsync(desk, "Polls");
        await desk.Locator("#panel-polls summary", new() { HasText = "Create poll" }).ClickAsync();
        await desk.Locator("#p-question").FillAsync("Who was Kazakhstan's first cosmonaut?");
        await desk.Locator("#p-kind").SelectOptionAsync("Quiz");
        await desk.Locator(".add-option").ClickAsync();
        var rows = desk.Locator("#p-options .option-row");
        await rows.Nth(0).Locator("[name=optionText]").FillAsync("Talgat Musabayev");
        await rows.Nth(1).Locator("[name=optionText]").FillAsync("Tokhtar Aubakirov");
        await rows.Nth(1).Locator("[name=optionCorrect]").CheckAsync();
        await rows.Nth(2).Locator("[name=optionText]").FillAsync("Aidyn Aimbetov");
        await browser.ScreenshotAsync(desk, "quiz-form", fullPage: false);
        await desk.Locator("#poll-form button[type=submit]").ClickAsync();
        var row = desk.Locator("#polls tr", new() { HasText = "Who was Kazakhstan's first cosmonaut?" });
        await Expect(row.Locator(".kind-badge")).ToHaveTextAsync("Quiz");

        var polls = (await server.Http.GetFromJsonAsync<List<PollSnapshot>>("/api/newsroom/polls", ServerCalls.Json))!;
        var quiz = polls.Single(p => p.Question == "Who was Kazakhstan's first cosmonaut?");
        Assert.Equal([false, true, false], quiz.Options.Select(o => o.Correct));

        var reader = await browser.OpenAsync($"/polls/{quiz.PollId}?lang=en", width: 390, height: 844, phone: true);
        await PageSession.WaitLiveAsync(reader);
        await reader.Locator("#poll .option-vote", new() { HasText = "Talgat Musabayev" }).TapAsync();
        await Expect(reader.Locator("#poll .quiz-pending")).ToHaveTextAsync("The right answer will be shown later.");
        await Expect(reader.Locator("#poll .option-correct")).ToHaveCountAsync(0);

        await row.GetByRole(AriaRole.Button, new() { Name = "Reveal the answer" }).ClickAsync();
        await Expect(reader.Locator("#poll .quiz-verdict.wrong")).ToHaveTextAsync("Not right. The right answer: Tokhtar Aubakirov", new() { Timeout = 2_000 });
        await Expect(reader.Locator("#poll .poll-option.correct .option-text")).ToHaveTextAsync("Tokhtar Aubakirov");
        await Expect(reader.Locator("#poll .poll-right")).ToHaveTextAsync("0% answered right");
        await Expect(row.Locator(".kind-badge")).ToHaveTextAsync("Quiz · answer revealed");
        await browser.ScreenshotAsync(reader, "quiz-revealed");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_readers_word_waits_in_the_desk_queue_and_reaches_another_readers_cloud_within_a_second_of_approval()
    {
        await using var server = await LivePollServer.StartAsync("", new Dictionary<string, string?> { ["Voters:ChallengeMaxNumber"] = "0" });
        var pollId = await CreateAsync(server.Http, new CreatePollRequest { Question = "Дебатты бір сөзбен сипаттаңыз", Kind = PollKind.Words });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(PollKindPageTests) + ".words");
        var writer = await browser.OpenAsync($"/polls/{pollId}?lang=kk", width: 390, height: 844, phone: true);
        var other = await browser.OpenAsync($"/polls/{pollId}?lang=kk", width: 390, height: 844, phone: true);
        var screen = await browser.OpenAsync($"/screen?poll={pollId}&lang=kk#key=" + LivePollServer.ScreenKey, width: 1920, height: 1080);
        var desk = await browser.OpenAsync("/desk?lang=en", 1366, 768);
        await NewsroomPagesTests.SignInAsync(desk, LivePollServer.EditorAccount);
        foreach (var page in new[] { writer, other, screen, desk })
        {
            await PageSession.WaitLiveAsync(page);
        }

        await writer.Locator("#poll .word-form input").FillAsync("Қызықты!");
        await writer.Locator("#poll .word-form button").ClickAsync();
        await Expect(writer.Locator("#poll .poll-voted")).ToHaveTextAsync("✓ Сіздің жауабыңыз: қызықты");
        await Expect(other.Locator("#poll .poll-total")).ToHaveTextAsync("Барлығы: 1 дауыс", new() { Timeout = 2_000 });
        // Counted, but on no reader's page until an editor approves it.
        await Expect(other.Locator("#poll .word-cloud li")).ToHaveCountAsync(0);
        await Expect(other.Locator("#poll .words-empty")).ToBeVisibleAsync();
        await Expect(screen.Locator("#total-votes")).ToHaveTextAsync("1", new() { Timeout = 2_000 });
        await Expect(screen.Locator(".word-cloud li")).ToHaveCountAsync(0);

        await NewsroomPagesTests.OpenTabAsync(desk, "Polls");
        var row = desk.Locator("#polls tr[data-poll-id]", new() { HasText = "Дебатты бір сөзбен сипаттаңыз" });
        await row.GetByRole(AriaRole.Button, new() { Name = "Moderate answers" }).ClickAsync();
        var entry = desk.Locator(".word-queue li", new() { HasText = "қызықты" });
        await Expect(entry).ToContainTextAsync("Waiting");
        await browser.ScreenshotAsync(desk, "words-queue", fullPage: false);
        await entry.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(other.Locator("#poll .word-cloud li")).ToHaveTextAsync(["қызықты (1)"], new() { Timeout = 1_000 });
        await Expect(screen.Locator(".word-cloud li")).ToHaveTextAsync(["қызықты (1)"], new() { Timeout = 1_000 });
        await Expect(entry).ToContainTextAsync("Shown");
        // The queue stays open through the list's own refresh (every 5 s).
        var refresh = await desk.WaitForResponseAsync(r => r.Request.Method == "GET" && new Uri(r.Url).AbsolutePath == "/api/newsroom/polls",
            new() { Timeout = 10_000 });
        await refresh.FinishedAsync();
        await Expect(desk.Locator(".word-queue li", new() { HasText = "қызықты" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync(other, "words-cloud");
        await browser.ScreenshotAsync(screen, "words-screen", fullPage: false);
        browser.AssertNoScriptErrors();
    }

    private static async Task<string> CreateAsync(HttpClient editor, CreatePollRequest request)
    {
        using var created = await editor.PostAsJsonAsync("/api/newsroom/polls", request, ServerCalls.Json);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<PollSnapshot>(ServerCalls.Json))!.PollId;
    }

    /// <summary>Presses Tab until the focused element's accessible label (aria-label or text) is <paramref name="label"/>.</summary>
    private static async Task TabToAsync(IPage page, string label)
    {
        for (var i = 0; i < 60; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string>("() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? ''");
            if (focused == label)
            {
                return;
            }
        }
        Assert.Fail($"Tab never reached '{label}'.");
    }
}
