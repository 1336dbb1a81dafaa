using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.Live;

/// <summary>API answers carry security headers as pages do, and no Server header.</summary>
public sealed class SecurityHeaderTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Theory]
    [InlineData("/api/feed")]
    [InlineData("/api/polls/no-such-poll")]
    [InlineData("/api/newsroom/polls")]
    public async Task API_answers_are_never_sniffed_framed_or_run_as_pages(string path)
    {
        await using var server = await LivePollServer.StartAsync(store.Configuration);
        using var response = await server.Anonymous.GetAsync(path).DefaultTimeout();

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(response.Headers.Contains("Server"));
    }
}
