using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Feed;

/// <summary>Publishing, live delivery, catch-up, sanitising and day grouping, on each store.</summary>
public abstract class FeedTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private readonly SettableClock _clock = new();
    private LivePollServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await LivePollServer.StartAsync(store.Configuration, services: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Two_readers_receive_fifty_concurrent_publications_each_once_in_rising_order()
    {
        await using var first = await _server.ConnectAsync(WireProtocol.Json);
        await using var second = await _server.ConnectAsync(WireProtocol.MessagePack);
        var received = new[] { new EventRecorder<FeedEvent>(first, ClientEvents.FeedEvent), new EventRecorder<FeedEvent>(second, ClientEvents.FeedEvent) };
        await first.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
        await second.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();

        var published = await Task.WhenAll(Enumerable.Range(1, 50).Select(i => PublishAsync(new ArticleInput { Title = $"Article {i}", Body = $"<p>{i}</p>" })));

        // A fence: the 51st article, published after the 50 were stored, arrives after any of theirs (and any duplicate).
        var fence = await PublishAsync(new ArticleInput { Title = "Fence", Body = "<p>f</p>" });
        foreach (var reader in received)
        {
            await reader.WaitForAsync(e => e.Article.Id == fence.Id, "the fence article arrives");
            var events = reader.Events.Where(e => e.Article.Id != fence.Id).ToList();
            Assert.Equal(50, events.Count);
            Assert.All(events, e => Assert.Equal(FeedEventKind.Published, e.Kind));
            Assert.Equal(published.Select(a => a.Id).Order(), events.Select(e => e.Article.Id).Order());
            for (var i = 1; i < events.Count; i++)
            {
                Assert.True(events[i].Sequence > events[i - 1].Sequence, "sequence numbers strictly increase");
            }
        }
    }

    [Fact]
    public async Task A_reader_back_from_a_disconnect_gets_exactly_the_changes_it_missed_in_order()
    {
        var early = await PublishAsync(new ArticleInput { Title = "Before", Body = "<p>before</p>" });
        var reader = await _server.ConnectAsync();
        var recorder = new EventRecorder<FeedEvent>(reader, ClientEvents.FeedEvent);
        var catchUp = await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
        var lastSeen = catchUp.LastSequence;
        await reader.DisposeAsync();

        var missed = new List<ArticleView>();
        for (var i = 1; i <= 3; i++)
        {
            missed.Add(await PublishAsync(new ArticleInput { Title = $"While away {i}", Body = "<p>…</p>" }));
        }
        using (var correction = await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{early.Id}/corrections",
            new CorrectionInput { Title = "Before (corrected)", Note = "The title was wrong." }, PollTestKit.Json).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, correction.StatusCode);
        }

        await using var back = await _server.ConnectAsync();
        var live = new EventRecorder<FeedEvent>(back, ClientEvents.FeedEvent);
        var caught = await back.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, lastSeen).DefaultTimeout();

        Assert.True(caught.Complete);
        Assert.Equal(
            [(FeedEventKind.Published, missed[0].Id), (FeedEventKind.Published, missed[1].Id), (FeedEventKind.Published, missed[2].Id), (FeedEventKind.Corrected, early.Id)],
            caught.Events.Select(e => (e.Kind, e.Article.Id)));
        Assert.Equal(Enumerable.Range(1, 4).Select(i => lastSeen + i), caught.Events.Select(e => e.Sequence));
        Assert.Equal("The title was wrong.", caught.Events[^1].Article.CorrectionNote);
        Assert.Equal(caught.Events[^1].Sequence, caught.LastSequence);
        Assert.DoesNotContain(recorder.Events, e => e.Sequence > lastSeen);

        // The same over HTTP, and nothing arrives twice once live delivery continues.
        var overHttp = await _server.Http.GetFromJsonAsync<FeedCatchUp>($"/api/feed/events?after={lastSeen}", PollTestKit.Json).DefaultTimeout();
        Assert.Equal(caught.Events.Select(e => e.Sequence), overHttp!.Events.Select(e => e.Sequence));
        var next = await PublishAsync(new ArticleInput { Title = "Live again", Body = "<p>…</p>" });
        await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(live.Events.Any(e => e.Article.Id == next.Id)), "the next change arrives live");
        Assert.Equal([caught.LastSequence + 1], live.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Retractions_and_pins_are_pushed_and_a_retracted_article_leaves_the_feed()
    {
        var article = await PublishAsync(new ArticleInput { Title = "To retract", Body = "<p>x</p>" });
        await using var reader = await _server.ConnectAsync();
        var recorder = new EventRecorder<FeedEvent>(reader, ClientEvents.FeedEvent);
        await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();

        (await _server.Http.PostAsync($"/api/newsroom/articles/{article.Id}/pin", null).DefaultTimeout()).EnsureSuccessStatusCode();
        var pinnedPage = await _server.Http.GetFromJsonAsync<FeedPage>("/api/feed", PollTestKit.Json).DefaultTimeout();
        Assert.Equal([article.Id], pinnedPage!.Pinned.Select(a => a.Id));
        (await _server.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/retract", new { note = "Unconfirmed." }).DefaultTimeout()).EnsureSuccessStatusCode();

        await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(recorder.Events.Count >= 2), "pin and retraction arrive");
        Assert.Equal([FeedEventKind.Pinned, FeedEventKind.Retracted], recorder.Events.Select(e => e.Kind));
        Assert.Equal(ArticleState.Retracted, recorder.Events[^1].Article.State);
        var page = await _server.Http.GetFromJsonAsync<FeedPage>("/api/feed", PollTestKit.Json).DefaultTimeout();
        Assert.DoesNotContain(page!.Days.SelectMany(d => d.Items), a => a.Id == article.Id);
        Assert.DoesNotContain(page.Pinned, a => a.Id == article.Id);
    }

    [Fact]
    public async Task Scripts_event_handlers_and_javascript_links_never_reach_a_reader()
    {
        var article = await PublishAsync(new ArticleInput
        {
            Title = "Safe",
            Body = """<p onclick="steal()">Text<script>alert(1)</script> <a href="javascript:alert(2)">link</a> <img src="x.png" alt="x" onerror="alert(3)"></p><b>kept</b>""",
        });

        var served = await _server.Http.GetStringAsync($"/api/articles/{article.Id}").DefaultTimeout();
        var page = await _server.Http.GetStringAsync("/api/feed").DefaultTimeout();
        foreach (var text in new[] { article.Body, served, page })
        {
            Assert.DoesNotContain("script", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("onclick", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("onerror", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("javascript:", text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Contains("<b>kept</b>", article.Body);
    }

    [Fact]
    public async Task The_feed_groups_items_by_day_in_Almaty_with_labels_in_the_requested_language()
    {
        _clock.Set(new DateTimeOffset(2025, 12, 2, 23, 30, 0, TimeSpan.FromHours(5)));
        var evening = await PublishAsync(new ArticleInput { Title = "Evening", Body = "<p>e</p>" });
        _clock.Set(new DateTimeOffset(2025, 12, 3, 0, 30, 0, TimeSpan.FromHours(5)));
        var night = await PublishAsync(new ArticleInput { Title = "Night", Body = "<p>n</p>" });

        _clock.Set(new DateTimeOffset(2025, 12, 3, 12, 0, 0, TimeSpan.FromHours(5)));
        Assert.Equal([("Бүгін", night.Id), ("Кеше", evening.Id)], await LabelsAsync("kk"));
        Assert.Equal([("Сегодня", night.Id), ("Вчера", evening.Id)], await LabelsAsync("ru"));
        Assert.Equal([("Today", night.Id), ("Yesterday", evening.Id)], await LabelsAsync("en"));

        _clock.Set(new DateTimeOffset(2025, 12, 6, 12, 0, 0, TimeSpan.FromHours(5)));
        Assert.Equal([("03 желтоқсан", night.Id), ("02 желтоқсан", evening.Id)], await LabelsAsync("kk"));
        Assert.Equal([("03 декабря", night.Id), ("02 декабря", evening.Id)], await LabelsAsync("ru"));
        Assert.Equal([("03 December", night.Id), ("02 December", evening.Id)], await LabelsAsync("en"));
    }

    [Fact]
    public async Task A_scheduled_article_appears_by_itself_once_on_every_node()
    {
        var prefix = _server.Services.GetRequiredService<LivePoll.Server.Storage.RedisKeys>().Prefix;
        await using var otherNode = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix });
        await using var onOther = await otherNode.ConnectAsync();
        await using var onThis = await _server.ConnectAsync();
        var readers = new[] { new EventRecorder<FeedEvent>(onOther, ClientEvents.FeedEvent), new EventRecorder<FeedEvent>(onThis, ClientEvents.FeedEvent) };
        await onOther.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
        await onThis.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();

        var scheduled = await PublishAsync(new ArticleInput { Title = "Later", Body = "<p>l</p>", PublishAt = DateTime.UtcNow.AddSeconds(1.5) });
        Assert.Equal(ArticleState.Scheduled, scheduled.State);
        using (var hidden = await _server.Http.GetAsync($"/api/articles/{scheduled.Id}").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        foreach (var reader in readers)
        {
            await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(reader.Events.Any(e => e.Article.Id == scheduled.Id)), "the scheduled article appears");
        }
        // A fence: an article scheduled after it appears after every scheduler check that could have published the first again.
        var fence = await PublishAsync(new ArticleInput { Title = "Fence", Body = "<p>f</p>", PublishAt = DateTime.UtcNow.AddSeconds(1) });
        foreach (var reader in readers)
        {
            await reader.WaitForAsync(e => e.Article.Id == fence.Id, "the fence article appears");
        }
        Assert.All(readers, r => Assert.Single(r.Events, e => e.Article.Id == scheduled.Id && e.Kind == FeedEventKind.Published));
    }

    [Fact]
    public async Task An_article_has_a_permalink_and_share_links_and_bad_input_gets_clear_errors()
    {
        var article = await PublishAsync(new ArticleInput { Title = "Share me", Body = "<p>s</p>", ImageUrl = "https://polisia.kz/p.jpg", ImageCredit = "polisia.kz" });
        var served = await _server.Http.GetFromJsonAsync<ArticleView>($"/api/articles/{article.Id}", PollTestKit.Json).DefaultTimeout();
        Assert.EndsWith($"/articles/{article.Id}", served!.Url);
        Assert.Contains(Uri.EscapeDataString(served.Url), served.Share["telegram"]);
        Assert.Equal(["email", "facebook", "telegram", "vk", "whatsapp", "x"], served.Share.Keys.Order());

        using var invalid = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new { title = "", imageUrl = "not a url", language = "de" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Content.ReadAsStringAsync();
        Assert.Contains("title", problem);
        Assert.Contains("imageUrl", problem);
        Assert.Contains("language", problem);
        using var missing = await _server.Http.GetAsync("/api/articles/nope").DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    private async Task<List<(string Label, string Id)>> LabelsAsync(string language)
    {
        var page = await _server.Http.GetFromJsonAsync<FeedPage>($"/api/feed?lang={language}", PollTestKit.Json).DefaultTimeout();
        return page!.Days.SelectMany(d => d.Items.Select(i => (d.Label, i.Id))).ToList();
    }

    private async Task<ArticleView> PublishAsync(ArticleInput input)
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", input, PollTestKit.Json).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
    }
}

public sealed class FeedTestsOnRedis(RedisStoreFixture store) : FeedTests<RedisStoreFixture>(store);

public sealed class FeedTestsOnGarnet(GarnetStoreFixture store) : FeedTests<GarnetStoreFixture>(store);

public sealed class RedisClusterFeedTests(RedisClusterStoreFixture store) : FeedTests<RedisClusterStoreFixture>(store);
