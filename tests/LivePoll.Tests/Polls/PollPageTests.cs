using System.Net;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using SkiaSharp;

namespace LivePoll.Tests.Polls;

/// <summary>A poll's own address and its shareable results image, drawn on the server; hidden counts stay hidden in both.</summary>
public sealed class PollPageTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        new Dictionary<string, string?> { ["Newsroom:PublicBaseUrl"] = "https://news.example.kz" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_poll_page_carries_its_question_counts_and_a_results_image_for_previews()
    {
        var poll = await _server.CreatePollAsync();
        for (var i = 0; i < 3; i++)
        {
            await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, await _server.NewVoterAsync(), "2");
        }

        using var page = await _server.Anonymous.GetAsync($"/polls/{poll.PollId}?lang=ru").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var read = new HtmlPage(html);
        Assert.Equal($"https://news.example.kz/polls/{poll.PollId}/results.png?lang=ru", read.Meta("og:image"));
        Assert.Equal($"https://news.example.kz/polls/{poll.PollId}", read.Link("canonical"));
        Assert.Equal("ru", read.Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Бір уақыт белдеуіне ауысу сізге қалай әсер етті?", read.Find("#poll .poll-question")!.TextContent);
        Assert.Equal("Option 2 (3)", read.FindAll("#poll .poll-option")[1].TextContent);

        using var image = await _server.Anonymous.GetAsync($"/polls/{poll.PollId}/results.png?lang=kk").DefaultTimeout();
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        using var bitmap = SKBitmap.Decode(await image.Content.ReadAsByteArrayAsync());
        Assert.Equal((1200, 630), (bitmap.Width, bitmap.Height));
        Assert.True(HasLeadingBar(bitmap), "the leading option's bar is drawn");

        // The labels follow the language asked for: the Russian image is another picture of the same counts.
        var russian = await _server.Anonymous.GetByteArrayAsync($"/polls/{poll.PollId}/results.png?lang=ru").DefaultTimeout();
        using (var ru = SKBitmap.Decode(russian))
        {
            Assert.Equal((1200, 630), (ru.Width, ru.Height));
            Assert.NotEqual(bitmap.Bytes, ru.Bytes);
        }

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/polls/{poll.PollId}/results.png?lang=kk");
        again.Headers.TryAddWithoutValidation("If-None-Match", image.Headers.ETag!.ToString());
        using var notModified = await _server.Anonymous.SendAsync(again).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var missing = await _server.Anonymous.GetAsync("/polls/nope/results.png").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var missingPage = await _server.Anonymous.GetAsync("/polls/nope").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, missingPage.StatusCode);
    }

    [Fact]
    public async Task Counts_hidden_until_the_close_are_neither_in_the_page_nor_in_the_image()
    {
        var poll = await _server.CreatePollAsync(visibility: ResultVisibility.AfterClose);
        await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, await _server.NewVoterAsync(), "1");

        var html = await _server.Anonymous.GetStringAsync($"/polls/{poll.PollId}").DefaultTimeout();
        Assert.DoesNotContain("option-count", html);
        Assert.DoesNotContain("(1)", html);
        using var hidden = SKBitmap.Decode(await _server.Anonymous.GetByteArrayAsync($"/polls/{poll.PollId}/results.png").DefaultTimeout());
        Assert.False(HasLeadingBar(hidden), "no bar is drawn while the counts are hidden");

        (await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null)).EnsureSuccessStatusCode();
        using var closed = SKBitmap.Decode(await _server.Anonymous.GetByteArrayAsync($"/polls/{poll.PollId}/results.png").DefaultTimeout());
        Assert.True(HasLeadingBar(closed), "after the close the results are drawn");
    }

    /// <summary>Whether the leading bar's colour fills some pixel below the question (the header's brand colour is above it).</summary>
    private static bool HasLeadingBar(SKBitmap bitmap)
    {
        var leader = new SKColor(0x0b, 0x5c, 0xab);
        for (var y = 180; y < bitmap.Height - 80; y += 2)
        {
            for (var x = 70; x < 300; x += 2)
            {
                if (bitmap.GetPixel(x, y) == leader)
                {
                    return true;
                }
            }
        }
        return false;
    }
}
