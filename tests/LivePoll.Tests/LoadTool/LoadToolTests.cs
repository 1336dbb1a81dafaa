using System.Text.Json;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;
using LivePoll.LoadTests.Scenarios;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace LivePoll.Tests.LoadTool;

/// <summary>Small runs of the load tool's scenarios against a real server: the tool measures, reports, and fails on a wrong count.</summary>
public sealed class LoadToolTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>, IAsyncLifetime
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration,
        new Dictionary<string, string?> { ["Newsroom:ApiKeys:0:ExemptFromLimits"] = "true" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Target Target(Protocol protocol) => new([_server.BaseAddress], LivePollServer.EditorKey, protocol);

    private static readonly RateProfile Short = new(400, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(0.5));

    [Theory]
    [InlineData(Transport.Hub, Protocol.MessagePack)]
    [InlineData(Transport.Http, Protocol.Json)]
    public async Task A_small_surge_counts_every_acknowledged_vote_and_measures_the_readers(Transport transport, Protocol protocol)
    {
        using var target = Target(protocol);
        var report = await new SurgeScenario(target, new SurgeOptions { Readers = 20, Voters = 500, Profile = Short, Transport = transport, VoteConnections = 4 },
            new SilentProgress()).RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(2));

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
        Assert.Equal(Short.Total, report.Sent);
        Assert.Equal(report.Sent, report.Acknowledged);
        Assert.Equal(0, report.Failed);
        Assert.Equal(report.Sent, report.Outcomes.Values.Sum());
        Assert.Equal(Math.Min(500, Short.Total), report.Outcomes["Accepted"]);
        Assert.True(report.AckLatency!.Count == report.Acknowledged);
        Assert.True(report.VoteToReaderLatency!.Count > 0);
        Assert.InRange(report.SnapshotsPerReaderPerSecond, 0.5, 15);
        Assert.Equal(20 + (transport == Transport.Hub ? 4 : 0), report.Connects);
    }

    [Fact]
    public async Task A_small_feed_run_delivers_every_article_to_every_reader_once()
    {
        using var target = Target(Protocol.MessagePack);
        var report = await new FeedScenario(target, new FeedRunOptions { Readers = 30, Articles = 20, PublishRate = 40 }, new SilentProgress())
            .RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(2));

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
        Assert.Equal(30 * 20, report.PublishToDeliveryLatency!.Count);
        Assert.Equal("600 of 600", report.Extra["deliveries"]);
    }

    [Theory]
    [InlineData(+3, "counted beyond")]
    [InlineData(-2, "missing from the count")]
    public async Task The_verdict_fails_when_the_server_count_is_wrong(long tamper, string expected)
    {
        // A deliberately broken counter: between the last vote and the verdict, the poll's count in Redis is changed.
        var keys = _server.Services.GetRequiredService<RedisKeys>();
        var redis = _server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        using var target = Target(Protocol.MessagePack);
        var report = await new SurgeScenario(target, new SurgeOptions
        {
            Readers = 5,
            Voters = 200,
            Profile = new RateProfile(200, TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.Zero),
            VoteConnections = 2,
            BeforeVerdict = async pollId =>
            {
                await redis.HashIncrementAsync(keys.PollCounts(pollId), "1", tamper);
                await redis.HashIncrementAsync(keys.PollCounts(pollId), "_total", tamper);
            },
        }, new SilentProgress()).RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(2));

        Assert.False(report.Verdict.Passed);
        Assert.Contains(report.Verdict.Checks, c => c.StartsWith("FAIL", StringComparison.Ordinal) && c.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Reports_are_written_as_json_markdown_and_self_contained_html()
    {
        var meter = new RunMeter(TimeSpan.FromSeconds(10));
        meter.VoteAnswered("Accepted", 0, System.Diagnostics.Stopwatch.Frequency / 500);
        var report = new RunReport
        {
            Scenario = "surge",
            Settings = new Dictionary<string, string> { ["readers"] = "10" },
            Sent = 1,
            Acknowledged = 1,
            Outcomes = new Dictionary<string, long> { ["Accepted"] = 1 },
            AckLatency = meter.AckLatency.Summarize(),
            Timeline = meter.Timeline(3),
            Verdict = Verdicts.Votes(1, 1, 0),
        };
        var folder = Directory.CreateTempSubdirectory("livepoll-report-").FullName;
        try
        {
            ReportWriter.WriteFiles(report, folder);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "report.json")));
            Assert.Equal("surge", json.RootElement.GetProperty("scenario").GetString());
            Assert.Contains("| ack latency p50/p90/p99/p99.9/max |", File.ReadAllText(Path.Combine(folder, "report.md")));
            var html = File.ReadAllText(Path.Combine(folder, "report.html"));
            Assert.Contains("<svg", html);
            Assert.Contains("PASS", html);
            Assert.DoesNotContain("<script", html);
            Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_rate_profile_ramps_holds_and_ramps_down_to_the_expected_totals()
    {
        var profile = new RateProfile(1_000, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
        Assert.Equal(0, profile.DueBy(TimeSpan.Zero));
        Assert.Equal(1_000, profile.DueBy(TimeSpan.FromSeconds(2)));
        Assert.Equal(11_000, profile.DueBy(TimeSpan.FromSeconds(12)));
        Assert.Equal(12_000, profile.Total);
        Assert.Equal(12_000, profile.DueBy(TimeSpan.FromSeconds(99)));
    }

    [Fact]
    public void The_vote_verdict_allows_unanswered_votes_but_never_lost_or_double_counted_ones()
    {
        Assert.True(Verdicts.Votes(100, 100, 0).Passed);
        Assert.True(Verdicts.Votes(100, 103, 5).Passed);
        Assert.False(Verdicts.Votes(100, 99, 5).Passed);
        Assert.False(Verdicts.Votes(100, 106, 5).Passed);
    }
}
