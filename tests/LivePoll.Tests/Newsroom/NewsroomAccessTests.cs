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

    [Fact]
    public async Task Every_newsroom_endpoint_refuses_anonymous_callers_and_screens_may_only_read()
    {
        // Every endpoint the app maps under /api/newsroom, so a new one cannot slip through unguarded.
        var endpoints = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/newsroom", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Method: m, Path: Concrete(e.RoutePattern.RawText!))))
            .ToList();
        Assert.True(endpoints.Count >= 15, $"found only {endpoints.Count} newsroom endpoints");

        foreach (var (method, path) in endpoints)
        {
            using var anonymous = await _server.Anonymous.SendAsync(Request(method, path)).DefaultTimeout();
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: anonymous got {anonymous.StatusCode}");

            using var screen = await _server.Screen.SendAsync(Request(method, path)).DefaultTimeout();
            if (method == "GET")
            {
                Assert.True(screen.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{method} {path}: screen got {screen.StatusCode}");
            }
            else
            {
                Assert.True(screen.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: screen got {screen.StatusCode}");
            }
        }
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
