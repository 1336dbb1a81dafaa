using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Newsroom;

/// <summary>Nobody who is not the newsroom reaches a newsroom endpoint or hub method; screens only read.</summary>
public sealed class NewsroomAccessTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>
    /// The role each newsroom endpoint needs, as docs/security.md's table says: Read (screen, contributor, editor), Write
    /// (contributor, editor; a contributor only their own articles, checked by the endpoint) or Edit (editor).
    /// </summary>
    private static readonly Dictionary<string, string> Needs = new()
    {
        ["GET /api/newsroom/activity"] = "Read",
        ["GET /api/newsroom/activity.csv"] = "Read",
        ["GET /api/newsroom/polls/"] = "Read",
        ["POST /api/newsroom/polls/"] = "Edit",
        ["GET /api/newsroom/polls/{pollId}"] = "Read",
        ["GET /api/newsroom/polls/{pollId}/integrity"] = "Edit",
        ["GET /api/newsroom/polls/{pollId}/export"] = "Read",
        ["POST /api/newsroom/polls/{pollId}/networks/{network}/exclude"] = "Edit",
        ["POST /api/newsroom/polls/{pollId}/networks/{network}/admit"] = "Edit",
        ["POST /api/newsroom/polls/{pollId}/open"] = "Edit",
        ["POST /api/newsroom/polls/{pollId}/reopen"] = "Edit",
        ["POST /api/newsroom/polls/{pollId}/close"] = "Edit",
        ["POST /api/newsroom/polls/{pollId}/reveal"] = "Edit",
        ["GET /api/newsroom/polls/{pollId}/words"] = "Edit",
        ["POST /api/newsroom/polls/{pollId}/words/approve"] = "Edit",
        ["POST /api/newsroom/polls/{pollId}/words/hide"] = "Edit",
        ["GET /api/newsroom/words/lists"] = "Edit",
        ["PUT /api/newsroom/words/lists"] = "Edit",
        ["POST /api/newsroom/voters/rotate-key"] = "Edit",
        ["GET /api/newsroom/articles/"] = "Read",
        ["GET /api/newsroom/articles/{articleId}"] = "Read",
        ["POST /api/newsroom/articles/"] = "Write",
        ["PUT /api/newsroom/articles/{articleId}"] = "Write",
        ["POST /api/newsroom/articles/{articleId}/submit"] = "Write",
        ["POST /api/newsroom/articles/{articleId}/corrections"] = "Write",
        ["POST /api/newsroom/articles/{articleId}/return"] = "Edit",
        ["POST /api/newsroom/articles/{articleId}/publish"] = "Edit",
        ["POST /api/newsroom/articles/{articleId}/retract"] = "Edit",
        ["POST /api/newsroom/articles/{articleId}/polls"] = "Edit",
        ["POST /api/newsroom/articles/{articleId}/pin"] = "Edit",
        ["POST /api/newsroom/articles/{articleId}/unpin"] = "Edit",
        ["GET /api/newsroom/tips/"] = "Read",
        ["POST /api/newsroom/tips/{tipId}/handled"] = "Edit",
        ["POST /api/newsroom/tips/{tipId}/promote"] = "Edit",
        ["POST /api/newsroom/media/"] = "Write",
        ["GET /api/newsroom/media/{mediaId}"] = "Read",
        ["GET /api/newsroom/desk/composing"] = "Write",
        ["PUT /api/newsroom/desk/composing"] = "Write",
    };

    [Fact]
    public async Task Every_newsroom_endpoint_gives_each_role_the_documented_answer()
    {
        // Every endpoint the app maps under /api/newsroom, so a new one cannot slip through without a row here.
        var endpoints = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/newsroom", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToList();
        Assert.Empty(endpoints.Except(Needs.Keys));
        Assert.Empty(Needs.Keys.Except(endpoints));

        var callers = new (string Role, HttpClient Client)[]
        {
            ("anonymous", _server.Anonymous), ("screen", _server.Screen), ("contributor", _server.Contributor), ("editor", _server.Http),
        };
        foreach (var endpoint in endpoints)
        {
            var (method, path) = (endpoint[..endpoint.IndexOf(' ')], Concrete(endpoint[(endpoint.IndexOf(' ') + 1)..]));
            foreach (var (role, client) in callers)
            {
                var allowed = role != "anonymous" && Needs[endpoint] switch
                {
                    "Read" => true,
                    "Write" => role is "contributor" or "editor",
                    _ => role == "editor",
                };
                // A draft, which every writer may make (a contributor's publication is refused: a test below).
                using var request = endpoint == "POST /api/newsroom/articles/"
                    ? new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { draft = true }) }
                    : Request(method, path);
                using var response = await client.SendAsync(request).DefaultTimeout();
                var status = response.StatusCode;
                if (!allowed)
                {
                    var expected = role == "anonymous" ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                    Assert.True(status == expected, $"{endpoint}: {role} got {status}, not {expected}");
                }
                else
                {
                    // Past the role check: whatever the call itself answers (no such article: 404; an empty body: 400).
                    Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500,
                        $"{endpoint}: {role} got {status}");
                }
            }
        }
    }

    [Fact]
    public async Task A_contributor_writes_and_submits_own_drafts_and_may_not_publish_or_touch_anothers()
    {
        using var published = await _server.Contributor.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Mine", Body = "<p>b</p>" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Forbidden, published.StatusCode);
        Assert.Contains("an editor publishes", await published.Content.ReadAsStringAsync());
        using var scheduled = await _server.Contributor.PostAsJsonAsync("/api/newsroom/articles",
            new ArticleInput { Title = "Later", Body = "<p>b</p>", Draft = true, PublishAt = DateTime.UtcNow.AddHours(1) }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Forbidden, scheduled.StatusCode);
        using var byline = await _server.Contributor.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "B", Draft = true, Byline = "Someone" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Forbidden, byline.StatusCode);

        // Their own draft: written (unfinished is fine), saved again, submitted.
        using var draft = await _server.Contributor.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Draft = true, Body = "<p>Notes</p>" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, draft.StatusCode);
        var mine = (await draft.Content.ReadFromJsonAsync<ArticleView>(Polls.PollTestKit.Json))!;
        Assert.Equal((LivePollServer.ContributorName, "test contributor"), (mine.Desk!.AuthorName, mine.Desk.Author));
        using (var incomplete = await _server.Contributor.PostAsync($"/api/newsroom/articles/{mine.Id}/submit", null).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Conflict, incomplete.StatusCode);
            Assert.Contains("no title", await incomplete.Content.ReadAsStringAsync());
        }
        using (var saved = await _server.Contributor.PutAsJsonAsync($"/api/newsroom/articles/{mine.Id}", new ArticleInput { Title = "Ready", Body = "<p>Done</p>" }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }
        using (var submitted = await _server.Contributor.PostAsync($"/api/newsroom/articles/{mine.Id}/submit", null).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
            Assert.Equal(ArticleState.Submitted, (await submitted.Content.ReadFromJsonAsync<ArticleView>(Polls.PollTestKit.Json))!.State);
        }
        using (var publish = await _server.Contributor.PostAsync($"/api/newsroom/articles/{mine.Id}/publish", null).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Forbidden, publish.StatusCode);
        }

        // Someone else's draft: not theirs to save, submit or correct.
        using var editors = await _server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Editor's", Body = "<p>e</p>", Draft = true }).DefaultTimeout();
        var other = (await editors.Content.ReadFromJsonAsync<ArticleView>(Polls.PollTestKit.Json))!;
        using (var put = await _server.Contributor.PutAsJsonAsync($"/api/newsroom/articles/{other.Id}", new ArticleInput { Title = "Mine now" }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
            Assert.Contains("changes only their own", await put.Content.ReadAsStringAsync());
        }
        using (var submit = await _server.Contributor.PostAsync($"/api/newsroom/articles/{other.Id}/submit", null).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Forbidden, submit.StatusCode);
        }
        Assert.Equal("Editor's", (await _server.Http.GetFromJsonAsync<ArticleView>($"/api/newsroom/articles/{other.Id}", Polls.PollTestKit.Json).DefaultTimeout())!.Title);
    }

    [Fact]
    public async Task Newsroom_hub_methods_refuse_readers_and_accept_signed_in_accounts()
    {
        await using var reader = await _server.ConnectAsync();
        var refused = await Assert.ThrowsAsync<HubException>(() => reader.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom)).DefaultTimeout();
        Assert.Contains("unauthorized", refused.Message, StringComparison.OrdinalIgnoreCase);

        await using var wrongKey = await _server.ConnectAsync(apiKey: "lpk_forged");
        await Assert.ThrowsAsync<HubException>(() => wrongKey.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom)).DefaultTimeout();

        // A browser signed in with the cookie joins the newsroom group over its hub connection.
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = _server.BaseAddress };
        using (var signIn = await browser.PostAsJsonAsync("/api/session", new { name = LivePollServer.ScreenAccount, password = LivePollServer.AccountPassword }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        }
        await using var screen = new HubConnectionBuilder()
            .WithUrl(new Uri(_server.BaseAddress, HubPaths.Live), o => o.Cookies = cookies)
            .Build();
        await screen.StartAsync().DefaultTimeout();
        Assert.NotNull(await screen.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom).DefaultTimeout());

        // Every role joins the newsroom's live group: screens for tips, contributors and editors for the desk.
        foreach (var key in new[] { LivePollServer.ScreenKey, LivePollServer.ContributorKey, LivePollServer.EditorKey })
        {
            await using var member = await _server.ConnectAsync(apiKey: key);
            Assert.NotNull(await member.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom).DefaultTimeout());
        }
        // The hub's other methods are the readers' (they need no role): only JoinNewsroom asks for one.
        var guarded = typeof(LivePoll.Server.Live.LiveHub).GetMethods()
            .Where(m => m.GetCustomAttributes(typeof(Microsoft.AspNetCore.Authorization.AuthorizeAttribute), true).Length > 0)
            .Select(m => m.Name).ToList();
        Assert.Equal([HubMethods.JoinNewsroom], guarded);
    }

    [Fact]
    public async Task Sign_in_with_a_password_gives_a_cookie_with_the_account_role()
    {
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = _server.BaseAddress };
        // Browsers send their page's origin with every change.
        browser.DefaultRequestHeaders.Add("Origin", _server.BaseAddress.GetLeftPart(UriPartial.Authority));

        using (var wrong = await browser.PostAsJsonAsync("/api/session", new { name = LivePollServer.EditorAccount, password = "guess" }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("name or password", await wrong.Content.ReadAsStringAsync());
        }
        using (var unknown = await browser.PostAsJsonAsync("/api/session", new { name = "nobody", password = "guess" }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }
        using (var signIn = await browser.PostAsJsonAsync("/api/session", new { name = LivePollServer.EditorAccount, password = LivePollServer.AccountPassword }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("lp_newsroom=", StringComparison.Ordinal));
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        }
        using (var create = await browser.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "From the desk", Body = "<p>d</p>" }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        }
        (await browser.DeleteAsync("/api/session").DefaultTimeout()).Dispose();
        using var afterSignOut = await browser.GetAsync("/api/newsroom/articles").DefaultTimeout();
        Assert.Equal(HttpStatusCode.Unauthorized, afterSignOut.StatusCode);
    }

    private static HttpRequestMessage Request(string method, string path) =>
        new(new HttpMethod(method), path) { Content = method == "GET" ? null : JsonContent.Create(new { }) };

    private static string Concrete(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, "{[^}]+}", "x1");
}
