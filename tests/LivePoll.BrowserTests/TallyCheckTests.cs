using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using StackExchange.Redis;
using static Microsoft.Playwright.Assertions;

namespace LivePoll.BrowserTests;

/// <summary>
/// "Check my vote" on a phone: the reader's page proves with WebCrypto that its receipt is a leaf under a head the newsroom
/// signed, and says so; after the store's leaf for that vote is altered, the same check fails in plain words.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class TallyCheckTests(Chromium chromium)
{
    [Fact]
    public async Task A_reader_checks_their_vote_sees_it_confirmed_and_sees_the_check_fail_once_the_log_is_altered()
    {
        await using var server = await LivePollServer.StartAsync("", new Dictionary<string, string?>
        {
            ["Tally:AppendIntervalMs"] = "100",
            ["Tally:HeadIntervalMs"] = "200",
        });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(TallyCheckTests));
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Жаңа саябақ қай жерде болуы керек?", "Өзен жағасында", "Қала орталығында");

        var reader = await browser.OpenAsync($"/?poll={pollId}&lang=en", width: 390, height: 844, phone: true, scale: 2);
        await PageSession.WaitLiveAsync(reader);
        await reader.Locator("#poll .option-vote").Nth(1).ClickAsync();
        await Expect(reader.Locator("#poll .poll-voted")).ToBeVisibleAsync();

        // The answer is logged and signed within a moment; a check before that says to try again, never fails.
        var check = reader.Locator("#poll .check-vote");
        var result = reader.Locator("#poll .check-result");
        await Expect(check).ToHaveTextAsync("Check my vote");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await check.ClickAsync();
            await Expect(result).Not.ToHaveTextAsync("Checking…");
            if ((await result.TextContentAsync())!.StartsWith('✓'))
            {
                break;
            }
            Assert.Contains("not in a signed count yet", await result.TextContentAsync());
            await reader.WaitForTimeoutAsync(200);
        }
        await Expect(result).ToContainTextAsync("✓ Your vote is in the count the newsroom signed (1 answer, signed at");
        await Expect(result).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("ok"));
        await reader.Locator("#poll").ScrollIntoViewIfNeededAsync();
        await browser.ScreenshotAsync(reader, "tally-check-phone", fullPage: false);

        // A reload keeps the receipt: the check still works.
        await reader.ReloadAsync();
        await PageSession.WaitLiveAsync(reader);
        await reader.Locator("#poll .check-vote").ClickAsync();
        await Expect(reader.Locator("#poll .check-result")).ToContainTextAsync("✓");

        // Someone rewrites the vote's leaf in the store: the reader's check now fails, visibly.
        var db = server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var leaves = server.Services.GetRequiredService<RedisKeys>().PollLogLeaves(pollId);
        var leaf = JsonSerializer.Deserialize<TallyLeaf>((await db.ListGetByIndexAsync(leaves, 0)).ToString())!;
        await db.ListSetByIndexAsync(leaves, 0, JsonSerializer.Serialize(leaf with { Minute = "2020-01-01T00:00Z" }));
        await reader.Locator("#poll .check-vote").ClickAsync();
        await Expect(reader.Locator("#poll .check-result")).ToContainTextAsync("✗ Your vote could not be confirmed: the proof does not lead to the signed count's root.");
        await Expect(reader.Locator("#poll .check-result")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("failed"));
        await reader.Locator("#poll .check-result").ScrollIntoViewIfNeededAsync();
        await browser.ScreenshotAsync(reader, "tally-check-failed-phone", fullPage: false);
        browser.AssertNoScriptErrors();
    }
}
