using System.Net.Http.Json;
using LivePoll.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LivePoll.BrowserTests;

/// <summary>A poll embedded in a partner's page (another origin): it shows, takes a vote live, and fits its iframe's height.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class EmbedPageTests(Chromium chromium, Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A page on http://localhost:PORT (another origin, on loopback) with the given HTML, until disposed.</summary>
    private sealed class PartnerSite : IDisposable
    {
        private readonly System.Net.HttpListener _listener = new();

        public PartnerSite(string html)
        {
            Origin = $"http://localhost:{LivePoll.Server.Storage.EmbeddedGarnet.FreeLoopbackPort()}";
            _listener.Prefixes.Add(Origin + "/");
            _listener.Start();
            var bytes = System.Text.Encoding.UTF8.GetBytes(html);
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    try
                    {
                        var context = await _listener.GetContextAsync();
                        context.Response.ContentType = "text/html; charset=utf-8";
                        await context.Response.OutputStream.WriteAsync(bytes);
                        context.Response.Close();
                    }
                    catch (Exception) when (!_listener.IsListening)
                    {
                        return;
                    }
                }
            });
        }

        public string Origin { get; }

        public void Dispose() => _listener.Close();
    }

    private static string PartnerPage(string site, string pollId) => $"""
        <!doctype html><html><body><h1>Partner news</h1>
        <iframe src="{site}/embed/polls/{pollId}?lang=en" width="500" height="150" style="border:0" title="LivePoll" data-livepoll-embed></iframe>
        <script async src="{site}/js/embed-loader.js"></script></body></html>
        """;

    [Fact]
    public async Task An_origin_that_is_not_a_partner_cannot_show_the_embed()
    {
        await using var server = await LivePollServer.StartAsync("", new Dictionary<string, string?> { ["Embeds:FrameAncestors:0"] = "https://partner.example.com" });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(EmbedPageTests) + ".refused");
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Not here?", "yes", "no");
        using var stranger = new PartnerSite(PartnerPage(server.BaseAddress.GetLeftPart(UriPartial.Authority), pollId));

        var page = await browser.OpenAsync("/");
        var refused = new TaskCompletionSource<string>();
        page.Console += (_, m) => { if (m.Text.Contains("frame-ancestors", StringComparison.Ordinal)) refused.TrySetResult(m.Text); };
        await page.GotoAsync($"{stranger.Origin}/article");
        Assert.Contains("frame-ancestors", await refused.Task.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.DoesNotContain(page.Frames, f => f.Url.Contains("/embed/polls/", StringComparison.Ordinal) && f.Url.StartsWith("http", StringComparison.Ordinal)
            && f.ChildFrames.Count == 0 && f.Name.Length > 0);
        await Expect(page.FrameLocator("iframe[data-livepoll-embed]").Locator(".poll-question")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_poll_embedded_on_a_partner_site_takes_a_vote_and_fits_its_frame()
    {
        // The partner: another origin, also on loopback (Chromium refuses a public page's frames and scripts from loopback).
        var partner = $"http://localhost:{LivePoll.Server.Storage.EmbeddedGarnet.FreeLoopbackPort()}";
        using var partnerSite = new System.Net.HttpListener();
        partnerSite.Prefixes.Add(partner + "/");
        partnerSite.Start();
        await using var server = await LivePollServer.StartAsync("", new Dictionary<string, string?> { ["Embeds:FrameAncestors:0"] = partner });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(EmbedPageTests));
        var pollId = await ServerCalls.CreatePollAsync(server.Http, "Embedded?", "yes", "no");
        var site = server.BaseAddress.GetLeftPart(UriPartial.Authority);

        // The partner's page, on its own origin, with the embed code the desk and oEmbed give.
        var html = System.Text.Encoding.UTF8.GetBytes($"""
            <!doctype html><html><body><h1>Partner news</h1>
            <iframe src="{site}/embed/polls/{pollId}?lang=en" width="500" height="150" style="border:0" title="LivePoll" data-livepoll-embed></iframe>
            <script async src="{site}/js/embed-loader.js"></script></body></html>
            """);
        var serving = Task.Run(async () =>
        {
            while (partnerSite.IsListening)
            {
                var context = await partnerSite.GetContextAsync();
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(html);
                context.Response.Close();
            }
        });
        var page = await browser.OpenAsync("/");
        var fromSite = new System.Collections.Concurrent.ConcurrentQueue<IRequest>();
        page.RequestFinished += (_, r) => { if (r.Url.StartsWith(site, StringComparison.Ordinal)) fromSite.Enqueue(r); };
        var problems = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (problems) { problems.Add(m.Text); } };
        page.RequestFailed += (_, r) => { lock (problems) { problems.Add($"{r.Url}: {r.Failure}"); } };
        await page.GotoAsync($"{partner}/article");
        var embed = page.FrameLocator("iframe[data-livepoll-embed]");
        try
        {
            await Expect(embed.Locator(".poll-question")).ToHaveTextAsync("Embedded?");
        }
        catch (PlaywrightException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nbrowser errors:\n{string.Join("\n", problems)}");
        }
        await Expect(embed.Locator("#status .status-text")).ToHaveTextAsync("Live");
        var liveAfter = await page.Frames.Single(f => f.Url.Contains("/embed/polls/", StringComparison.Ordinal))
            .EvaluateAsync<double>("() => performance.now()");
        long bodies = 0, headers = 0, requests = 0;
        foreach (var request in fromSite.ToArray())
        {
            var sizes = await request.SizesAsync();
            (bodies, headers, requests) = (bodies + sizes.ResponseBodySize, headers + sizes.ResponseHeadersSize, requests + 1);
        }
        output.WriteLine($"embed: {requests} requests, {bodies / 1024.0:F1} KiB of bodies + {headers / 1024.0:F1} KiB of headers (uncompressed, "
            + $"no cache); live {liveAfter:F0} ms after the embed's navigation began");

        await embed.Locator(".option-vote").Nth(0).ClickAsync();
        await Expect(embed.Locator(".poll-option").Nth(0).Locator(".count")).ToHaveTextAsync("1");

        // The loader fitted the frame to the poll (taller than the 150 px it started with).
        await Expect(page.Locator("iframe[data-livepoll-embed]")).ToHaveAttributeAsync("style", new System.Text.RegularExpressions.Regex(@"height: (\d{3,})px"));
        var height = await page.Locator("iframe[data-livepoll-embed]").EvaluateAsync<double>("f => f.getBoundingClientRect().height");
        Assert.True(height > 150, $"the frame is {height} px tall");

        using var poll = await server.Http.GetAsync($"/api/newsroom/polls/{pollId}");
        Assert.Contains("\"totalVoters\":1", await poll.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_live_feed_embedded_on_a_partner_site_shows_a_new_article_by_itself()
    {
        await using var server = await LivePollServer.StartAsync("", new Dictionary<string, string?> { ["Embeds:FrameAncestors:0"] = "*" });
        await using var browser = new PageSession(chromium.Browser, server.BaseAddress, nameof(EmbedPageTests) + ".feed");
        var site = server.BaseAddress.GetLeftPart(UriPartial.Authority);
        using var partner = new PartnerSite($"""
            <!doctype html><html><body><h1>Partner</h1>
            <iframe src="{site}/embed/feed?limit=5&lang=en" width="400" height="120" style="border:0" title="LivePoll" data-livepoll-embed></iframe>
            <script async src="{site}/js/embed-loader.js"></script></body></html>
            """);

        var page = await browser.OpenAsync("/");
        await page.GotoAsync($"{partner.Origin}/");
        var embed = page.FrameLocator("iframe[data-livepoll-embed]");
        await Expect(embed.Locator("#status .status-text")).ToHaveTextAsync("Live");
        await Expect(embed.Locator(".embed-feed li")).Not.ToHaveCountAsync(0);

        using var created = await server.Http.PostAsJsonAsync("/api/newsroom/articles",
            new LivePoll.Contracts.ArticleInput { Title = "Fresh from the newsroom", Body = "<p>f</p>" }, ServerCalls.Json);
        await Expect(embed.Locator(".embed-feed li").First).ToContainTextAsync("Fresh from the newsroom");
        await Expect(embed.Locator(".embed-feed li").First.Locator("a")).ToHaveAttributeAsync("target", "_blank");
    }
}
