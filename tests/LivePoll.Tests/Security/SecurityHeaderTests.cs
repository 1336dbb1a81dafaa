using System.Net;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LivePoll.Tests.Security;

/// <summary>
/// Every answer carries X-Content-Type-Options: nosniff and a content security policy, whatever the endpoint or status:
/// feeds, oEmbed, results images, health, 404s, a 403 and a 500. A 500 names no internals, and one that repeats costs
/// the log one entry, not a stack trace per request.
/// </summary>
public sealed class SecurityHeaderTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private const string Boom = "/test/boom";

    private readonly LogCapture _logs = new();
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        new Dictionary<string, string?>
        {
            ["Newsroom:PublicBaseUrl"] = "https://news.example.kz",
            // As in Production: /docs is for the newsroom only.
            ["Security:OpenDiagnostics"] = "false",
        },
        services: s =>
        {
            s.AddSingleton<ILoggerProvider>(_logs);
            s.AddSingleton<IStartupFilter>(new ThrowingPath());
        });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_answer_whatever_its_status_is_never_sniffed_and_has_a_content_security_policy()
    {
        var poll = await _server.CreatePollAsync(options: 2);
        var expected = new (string Path, HttpStatusCode Status)[]
        {
            ("/feeds/live.rss", HttpStatusCode.OK),
            ("/feeds/live.atom", HttpStatusCode.OK),
            ("/feeds/key-events.json", HttpStatusCode.OK),
            ($"/oembed?url={Uri.EscapeDataString($"https://news.example.kz/polls/{poll.PollId}")}", HttpStatusCode.OK),
            ($"/polls/{poll.PollId}/results.png", HttpStatusCode.OK),
            ("/health/live", HttpStatusCode.OK),
            ("/health/ready", HttpStatusCode.OK),
            ("/no-such-page", HttpStatusCode.NotFound),
            ("/api/no-such-endpoint", HttpStatusCode.NotFound),
            ("/polls/nope/results.png", HttpStatusCode.NotFound),
            ("/docs", HttpStatusCode.Forbidden),
            ("/metrics", HttpStatusCode.Forbidden),
            (Boom, HttpStatusCode.InternalServerError),
            ("/", HttpStatusCode.OK),
            ("/js/live.js", HttpStatusCode.OK),
        };
        foreach (var (path, status) in expected)
        {
            using var response = await _server.Anonymous.GetAsync(path).DefaultTimeout();
            Assert.True(status == response.StatusCode, $"{path}: {response.StatusCode}");
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var sniff) && sniff.Single() == "nosniff", $"{path}: no nosniff");
            Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var policy), $"{path}: no content security policy");
            Assert.Contains("frame-ancestors", policy!.Single());
            Assert.True(response.Headers.Contains("Referrer-Policy"), $"{path}: no Referrer-Policy");
        }
    }

    [Fact]
    public async Task A_failure_answers_a_problem_without_internals_and_a_repeated_one_is_logged_once()
    {
        for (var i = 0; i < 10; i++)
        {
            using var response = await _server.Anonymous.GetAsync(Boom).DefaultTimeout();
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("ThrowingPath", body);
            Assert.DoesNotContain("   at ", body);
        }
        var logged = Assert.Single(_logs.Entries, e => e.Exception is not null);
        Assert.Equal(5001, logged.EventId);
        Assert.IsType<InvalidOperationException>(logged.Exception);
    }

    /// <summary>A path that fails inside the application's pipeline, after every middleware of LivePoll's own.</summary>
    private sealed class ThrowingPath : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Run(context =>
            {
                if (context.Request.Path == Boom)
                {
                    throw new InvalidOperationException("A failure the test made.");
                }
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        };
    }
}
