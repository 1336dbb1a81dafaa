using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.Playwright;
using StackExchange.Redis;
using static Microsoft.Playwright.Assertions;

namespace LivePoll.BrowserTests;

/// <summary>
/// The reader page recovers by itself: from a link to a poll that does not exist, from a language switch in the middle
/// of a burst of publications, and from a store that lost its data (a new epoch).
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class ReaderRecoveryTests(Chromium chromium)
{
    [Fact]
    public async Task A_link_to_a_poll_that_does_not_exist_says_so_and_the_feed_stays_live()
    {
        await using var server = await LivePollServer.StartAsync("");
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderRecoveryTests) + ".bad-poll");

        var page = await browser.OpenAsync("/?poll=does-not-exist&lang=en");
        await PageSession.WaitLiveAsync(page);
        await Expect(page.Locator("#poll")).ToContainTextAsync("There is no such poll");

        await PublishAsync(server, "Still live after a stale link");
        await Expect(page.Locator("#feed .feed-item").First).ToContainTextAsync("Still live after a stale link");
        await Expect(page.Locator("#status .status-text")).ToHaveTextAsync("Live");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Switching_language_during_a_burst_of_publications_loses_none()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var server = await LivePollServer.StartAsync(redis.Configuration);
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderRecoveryTests) + ".burst");
        var page = await browser.OpenAsync("/");
        await PageSession.WaitLiveAsync(page);

        var titles = Enumerable.Range(1, 24).Select(i => $"Burst {i:00}").ToList();
        var burst = Task.Run(async () =>
        {
            foreach (var title in titles)
            {
                await PublishAsync(server, title);
            }
        });
        string[] languages = ["RU", "EN", "KK", "RU", "EN", "KK", "EN"];
        foreach (var language in languages)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = language }).ClickAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language.ToLowerInvariant());
        }
        await burst;

        await Expect(page.Locator("#feed .feed-item")).ToHaveCountAsync(titles.Count);
        var shown = await page.Locator("#feed .feed-item .item-title").AllInnerTextsAsync();
        Assert.Equal(titles.Order(), shown.Select(t => t.Trim()).Order());
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task After_the_store_is_wiped_an_open_reader_page_shows_the_new_state()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        // No proof of work for the test's own voter (the page solves its challenge as usual).
        await using var server = await LivePollServer.StartAsync(redis.Configuration, new Dictionary<string, string?> { ["Voters:ChallengeMaxNumber"] = "0" });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(ReaderRecoveryTests) + ".wiped");
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Before the wipe?", "yes", "no");
        await PublishAsync(server, "Old story");
        await PublishAsync(server, "Another old story");

        var page = await browser.OpenAsync($"/?lang=en");
        await PageSession.WaitLiveAsync(page);
        await Expect(page.Locator("#feed .feed-item")).ToHaveCountAsync(2);
        await Expect(page.Locator(".poll-question")).ToHaveTextAsync("Before the wipe?");

        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true"))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync();
        }
        // The new store numbers from 1 again: the new story and the new poll reuse the old numbers and ids.
        await PublishAsync(server, "New story");
        Assert.Equal(pollId, await ServerCalls.CreatePollAsync(server.Http, "After the wipe?", "one", "two", "three"));
        await ServerCalls.VoteAsync(server.Http, pollId, "3");

        await Expect(page.Locator("#feed .feed-item")).ToHaveCountAsync(1);
        await Expect(page.Locator("#feed .feed-item").First).ToContainTextAsync("New story");
        await Expect(page.Locator(".poll-question")).ToHaveTextAsync("After the wipe?");
        await Expect(page.Locator(".poll-option").Nth(2).Locator(".count")).ToHaveTextAsync("1");
        browser.AssertNoScriptErrors();
    }

    private static async Task PublishAsync(LivePollServer server, string title)
    {
        using var response = await server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = title, Body = "<p>x</p>" }, ServerCalls.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
