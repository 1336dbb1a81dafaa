using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using StackExchange.Redis;

namespace LivePoll.Tests.Newsroom;

/// <summary>
/// The newsroom's sessions and the server's posture towards browsers: sign-out ends a session on every node, a changed
/// account ends its sessions, cookie writes come only from our own pages, and internals stay internal in Production.
/// </summary>
public sealed class SessionSecurityTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task A_signed_out_cookie_is_refused_on_every_node()
    {
        var prefix = TestPrefix.New();
        await using var first = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix });
        await using var second = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix });
        var cookie = await SignInAsync(first, LivePollServer.EditorAccount);

        // The session works on both nodes while it lasts.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(first, cookie, "/api/newsroom/articles"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second, cookie, "/api/newsroom/articles"));

        using (var signOut = new HttpRequestMessage(HttpMethod.Delete, new Uri(first.BaseAddress, "/api/session")))
        {
            signOut.Headers.Add("Cookie", cookie);
            signOut.Headers.Add("Origin", first.BaseAddress.GetLeftPart(UriPartial.Authority));
            using var response = await Plain.SendAsync(signOut).DefaultTimeout();
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        // The same cookie, replayed (as someone who copied it would), is refused everywhere.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(first, cookie, "/api/newsroom/articles"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(second, cookie, "/api/newsroom/articles"));
    }

    [Fact]
    public async Task A_session_ends_when_its_account_changes_its_password_or_is_removed()
    {
        var prefix = TestPrefix.New();
        await using var before = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix });
        // The same store seen by a node configured after the change: the editor's password changed, the screen account is gone.
        await using var after = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
        {
            ["Redis:KeyPrefix"] = prefix,
            ["Newsroom:Accounts:0:PasswordHash"] = LivePoll.Server.Newsroom.Passwords.Hash("a new password"),
            ["Newsroom:Accounts:1:Name"] = "someone-else",
        });
        var editor = await SignInAsync(before, LivePollServer.EditorAccount);
        var screen = await SignInAsync(before, LivePollServer.ScreenAccount);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(before, editor, "/api/newsroom/articles"));

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(after, editor, "/api/newsroom/articles"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(after, screen, "/api/newsroom/articles"));
        // Refused once, the session is over for the node that still has the old settings too.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(before, editor, "/api/newsroom/articles"));
    }

    [Fact]
    public async Task Cookie_writes_are_taken_only_from_this_sites_pages()
    {
        await using var server = await LivePollServer.StartAsync(store.Configuration);
        var cookie = await SignInAsync(server, LivePollServer.EditorAccount);
        var own = server.BaseAddress.GetLeftPart(UriPartial.Authority);

        async Task<(HttpStatusCode Status, string Body)> PublishAsync(string? origin, string? referer)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "/api/newsroom/articles"))
            {
                Content = JsonContent.Create(new ArticleInput { Title = "Desk", Body = "<p>b</p>" }),
            };
            request.Headers.Add("Cookie", cookie);
            if (origin is not null) request.Headers.Add("Origin", origin);
            if (referer is not null) request.Headers.Add("Referer", referer);
            using var response = await Plain.SendAsync(request).DefaultTimeout();
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var crossSite = await PublishAsync("https://evil.example", null);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.Status);
        Assert.Contains("https://evil.example", crossSite.Body);
        Assert.Equal(HttpStatusCode.Forbidden, (await PublishAsync(null, "https://evil.example/page")).Status);
        // The right host and port with another scheme is another origin.
        Assert.Equal(HttpStatusCode.Forbidden, (await PublishAsync(own.Replace("http://", "https://", StringComparison.Ordinal), null)).Status);
        var bare = await PublishAsync(null, null);
        Assert.Equal(HttpStatusCode.Forbidden, bare.Status);
        Assert.Contains("no Origin or Referer", bare.Body);

        Assert.Equal(HttpStatusCode.Created, (await PublishAsync(own, null)).Status);
        Assert.Equal(HttpStatusCode.Created, (await PublishAsync(null, own + "/desk")).Status);
        // Reads need no Origin, and API keys (which no browser sends by itself) are not affected.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, cookie, "/api/newsroom/articles"));
        using var keyed = await server.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Key", Body = "<p>k</p>" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.Created, keyed.StatusCode);
    }

    [Fact]
    public async Task Signing_in_is_refused_from_another_sites_page_and_taken_from_ours_and_from_clients_that_are_not_pages()
    {
        await using var server = await LivePollServer.StartAsync(store.Configuration);
        var own = server.BaseAddress.GetLeftPart(UriPartial.Authority);

        async Task<(HttpStatusCode Status, bool Cookie)> SignInWithAsync(string? origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, "/api/session"))
            {
                Content = JsonContent.Create(new { name = LivePollServer.EditorAccount, password = LivePollServer.AccountPassword }),
            };
            if (origin is not null) request.Headers.Add("Origin", origin);
            using var response = await Plain.SendAsync(request).DefaultTimeout();
            return (response.StatusCode, response.Headers.Contains("Set-Cookie"));
        }

        // Login CSRF: another site's page would sign the browser in to an account of the attacker's.
        Assert.Equal((HttpStatusCode.Forbidden, false), await SignInWithAsync("https://evil.example"));
        Assert.Equal((HttpStatusCode.Forbidden, false), await SignInWithAsync(own.Replace("http://", "https://", StringComparison.Ordinal)));
        Assert.Equal((HttpStatusCode.Forbidden, false), await SignInWithAsync("null"));
        Assert.Equal((HttpStatusCode.OK, true), await SignInWithAsync(own));
        // A client that is not a browser page (a script, a CMS) sends no Origin.
        Assert.Equal((HttpStatusCode.OK, true), await SignInWithAsync(null));
    }

    [Fact]
    public async Task Production_keeps_metrics_and_the_api_description_for_the_newsroom()
    {
        await using var server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?> { ["environment"] = "Production" });
        foreach (var path in new[] { "/metrics", "/openapi/v1.json", "/docs/" })
        {
            using var anonymous = await server.Anonymous.GetAsync(path).DefaultTimeout();
            Assert.True(anonymous.StatusCode == HttpStatusCode.Forbidden, $"{path}: anonymous got {anonymous.StatusCode}");
            Assert.Contains("DiagnosticsNetworks", await anonymous.Content.ReadAsStringAsync());
            using var screen = await server.Screen.GetAsync(path).DefaultTimeout();
            Assert.True(screen.StatusCode == HttpStatusCode.OK, $"{path}: a newsroom key got {screen.StatusCode}");
        }
        // Health stays open for load balancers; readers' endpoints are unaffected.
        using (var health = await server.Anonymous.GetAsync("/health/ready").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // A configured network (here loopback, where Prometheus would scrape from) reads them without a key.
        await using var scraped = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
        {
            ["environment"] = "Production",
            ["Security:DiagnosticsNetworks:0"] = "127.0.0.0/8",
        });
        using var metrics = await scraped.Anonymous.GetAsync("/metrics").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task Hsts_and_https_redirection_are_sent_when_configured()
    {
        await using var server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
        {
            ["Security:HttpsRedirection"] = "true",
            ["Security:HttpsPort"] = "443",
        });
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var response = await client.GetAsync("/api/feed").DefaultTimeout();
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.StartsWith("https://", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task With_a_certificate_the_stored_data_protection_keys_are_encrypted()
    {
        var pfx = Path.Combine(Path.GetTempPath(), $"livepoll-dp-{Guid.NewGuid():N}.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=LivePoll data protection test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx password"));
        }
        try
        {
            var prefix = TestPrefix.New();
            var settings = new Dictionary<string, string?>
            {
                ["Redis:KeyPrefix"] = prefix,
                ["Security:DataProtectionCertificate"] = pfx,
                ["Security:DataProtectionCertificatePassword"] = "pfx password",
            };
            await using var server = await LivePollServer.StartAsync(store.Configuration, settings);
            var cookie = await SignInAsync(server, LivePollServer.EditorAccount);
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, cookie, "/api/newsroom/articles"));

            await using var redis = await ConnectionMultiplexer.ConnectAsync(store.Configuration);
            var keys = await redis.GetDatabase().ListRangeAsync($"{prefix}:data-protection:keys");
            Assert.NotEmpty(keys);
            Assert.All(keys, k =>
            {
                Assert.Contains("encryptedSecret", k.ToString());
                Assert.DoesNotContain("<value>", k.ToString());
            });

            // A second node with the same certificate opens the same cookie.
            await using var other = await LivePollServer.StartAsync(store.Configuration, settings);
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(other, cookie, "/api/newsroom/articles"));
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    /// <summary>A client that keeps no cookies of its own: each request carries exactly the cookie the test gives it.</summary>
    private static readonly HttpClient Plain = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeoutExtensions.Default };

    /// <summary>Signs in and returns the session cookie as a Cookie header value.</summary>
    private static async Task<string> SignInAsync(LivePollServer server, string account)
    {
        using var response = await Plain.PostAsJsonAsync(new Uri(server.BaseAddress, "/api/session"), new { name = account, password = LivePollServer.AccountPassword }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("lp_newsroom=", StringComparison.Ordinal));
        return setCookie[..setCookie.IndexOf(';')];
    }

    private static async Task<HttpStatusCode> StatusAsync(LivePollServer server, string cookie, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, path));
        request.Headers.Add("Cookie", cookie);
        using var response = await Plain.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }
}
