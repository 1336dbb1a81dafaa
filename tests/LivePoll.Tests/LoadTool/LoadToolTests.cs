using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
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

    private Target Target(Protocol protocol, ReaderClient readers = ReaderClient.Light) =>
        new([_server.BaseAddress], LivePollServer.EditorKey, protocol, readers);

    private static readonly RateProfile Short = new(400, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(0.5));

    [Theory]
    [InlineData(Transport.Hub, Protocol.MessagePack, ReaderClient.Light)]
    [InlineData(Transport.Hub, Protocol.MessagePack, ReaderClient.Full)]
    [InlineData(Transport.Http, Protocol.Json, ReaderClient.Full)]
    public async Task A_small_surge_counts_every_acknowledged_vote_and_measures_the_readers(Transport transport, Protocol protocol, ReaderClient readers)
    {
        using var target = Target(protocol, readers);
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

        // CPU over the hold, per unit: the server's from its /metrics (this test process), the tool's own.
        Assert.NotNull(report.Cpu);
        Assert.Equal("/metrics", report.Cpu.Source);
        Assert.True(report.Cpu.Votes > 0 && report.Cpu.Delivered > 0, $"{report.Cpu.Votes} votes, {report.Cpu.Delivered} delivered in the window");
        Assert.True(report.Cpu.ServerMicrosPerVote > 0 && report.Cpu.ToolMicrosPerDelivered > 0);
    }

    [Fact]
    public async Task A_surge_run_as_two_shards_merges_into_one_report_and_verdict()
    {
        using var target = Target(Protocol.MessagePack);
        var poll = await target.CreatePollAsync(3, CancellationToken.None);
        var start = new TaskCompletionSource();
        var ready = 0;
        var shards = await Task.WhenAll(Enumerable.Range(1, 2).Select(k => new SurgeScenario(target, new SurgeOptions
        {
            Readers = 10,
            Voters = 300,
            Profile = new RateProfile(200, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(0.5)),
            VoteConnections = 2,
            PollId = poll.PollId,
            Shard = (k, 2),
            // Both shards set up, then start together, as --processes does.
            WaitToStart = async ct =>
            {
                if (Interlocked.Increment(ref ready) == 2)
                {
                    start.SetResult();
                }
                await start.Task.WaitAsync(ct);
            },
        }, new SilentProgress()).RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(2))));

        var merged = await ShardMerge.MergeAsync(shards, target, CancellationToken.None).DefaultTimeout();
        Assert.True(merged.Verdict.Passed, string.Join("; ", merged.Verdict.Checks));
        Assert.Contains("merged 2 of 2 shards", merged.Verdict.Checks);
        Assert.Equal(shards.Sum(s => s.Sent), merged.Sent);
        Assert.Equal(600, merged.Outcomes["Accepted"]);
        Assert.Equal(shards.Sum(s => s.AckLatency!.Count), merged.AckLatency!.Count);
        Assert.Equal(shards.Sum(s => s.VoteToReaderLatency!.Count), merged.VoteToReaderLatency!.Count);
        Assert.InRange(merged.AckLatency.P99, shards.Min(s => s.AckLatency!.P50), shards.Max(s => s.AckLatency!.Max));
        Assert.Equal("20", merged.Settings["readers"]);

        // A shard missing from the merge fails it: its votes are not in the sums.
        var partial = await ShardMerge.MergeAsync([shards[0]], target, CancellationToken.None).DefaultTimeout();
        Assert.False(partial.Verdict.Passed);
    }

    [Fact]
    public async Task Light_feed_readers_catch_up_after_their_connections_drop_and_get_every_article_once()
    {
        using var target = Target(Protocol.MessagePack);
        var meter = new RunMeter(TimeSpan.FromMinutes(1));
        var tag = "[light " + Guid.NewGuid().ToString("N")[..6] + "]";
        var readers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => IFeedReader.StartAsync(target, i, tag, meter, CancellationToken.None)));
        var published = await FeedScenario.PublishAsync(target, tag, 5, 50, meter, new SilentProgress(), CancellationToken.None);
        foreach (var reader in readers.Take(5))
        {
            await reader.ReconnectAsync(CancellationToken.None).DefaultTimeout();
        }
        foreach (var (id, at) in await FeedScenario.PublishAsync(target, tag, 5, 50, meter, new SilentProgress(), CancellationToken.None))
        {
            published[id] = at;
        }

        await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(readers.All(r => r.Ledger.Has(published.Keys))), "every reader has all ten articles");
        var report = FeedScenario.Summarize(readers, published, meter);
        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
        Assert.Equal(5, meter.Reconnects);
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(ReaderClient.Light)]
    [InlineData(ReaderClient.Full)]
    public async Task A_small_feed_run_delivers_every_article_to_every_reader_once(ReaderClient readers)
    {
        using var target = Target(Protocol.MessagePack, readers);
        var report = await new FeedScenario(target, new FeedRunOptions { Readers = 30, Articles = 20, PublishRate = 40 }, new SilentProgress())
            .RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(2));

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
        Assert.Equal(30 * 20, report.PublishToDeliveryLatency!.Count);
        Assert.Equal("600 of 600", report.Extra["deliveries"]);
    }

    [Fact]
    public async Task A_feed_run_with_a_warm_up_measures_only_the_articles_after_it_and_waits_for_the_warm_up_to_arrive()
    {
        using var target = Target(Protocol.MessagePack, ReaderClient.Light);
        var report = await new FeedScenario(target, new FeedRunOptions { Readers = 20, Articles = 10, PublishRate = 40, WarmUpArticles = 15 }, new SilentProgress())
            .RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(2));

        Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
        Assert.Equal(20 * 10, report.PublishToDeliveryLatency!.Count);
        Assert.Equal("200 of 200", report.Extra["deliveries"]);
        Assert.Equal("15", report.Settings["warm-up articles"]);
        Assert.StartsWith("15 articles; every reader had the last", report.Extra["warm-up"]);
        Assert.Contains(report.Verdict.Checks, c => c.StartsWith("warm-up: 15 articles; every reader had the last"));
        // The CPU window opens after every reader had the warm-up: it holds the measured deliveries only.
        Assert.Equal(20 * 10, report.Cpu!.Delivered);
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
    public async Task A_threshold_that_cannot_hold_ends_the_run_with_exit_code_3_naming_it_and_a_generous_one_passes()
    {
        var folder = Directory.CreateTempSubdirectory("livepoll-thresholds-").FullName;
        try
        {
            async Task<(int ExitCode, RunReport Report)> SurgeAsync(string name, params string[] thresholds)
            {
                var report = Path.Combine(folder, name);
                var exitCode = await LivePoll.LoadTests.LoadTool.Main(["surge", "--target-url", _server.BaseAddress.ToString(),
                    "--api-key", LivePollServer.EditorKey, "--readers", "5", "--voters", "200", "--rate", "200", "--ramp-up", "0.2",
                    "--hold", "1", "--ramp-down", "0.2", "--connections", "4", "--report", report,
                    .. thresholds.SelectMany(t => new[] { "--threshold", t })]).DefaultTimeout(TimeSpan.FromMinutes(2));
                return (exitCode, ShardMerge.Read(Path.Combine(report, "report.json")));
            }

            var strict = await SurgeAsync("strict", "ack.p99 < 0.001ms", "dropped_share <= 100%");
            Assert.True(strict.Report.Verdict.Passed, string.Join("; ", strict.Report.Verdict.Checks));
            Assert.Equal(LivePoll.LoadTests.ExitCodes.ObjectiveMissed, strict.ExitCode);
            var missed = Assert.Single(strict.Report.Thresholds, t => !t.Passed);
            Assert.Equal("ack.p99 < 0.001ms", missed.Expression);
            Assert.Equal(strict.Report.AckLatency!.P99, missed.Actual);
            Assert.StartsWith("FAIL  ack.p99 < 0.001ms  (measured: ", missed.ToString());
            Assert.Contains("FAIL  ack.p99 < 0.001ms", await File.ReadAllTextAsync(Path.Combine(folder, "strict", "report.md")));

            var generous = await SurgeAsync("generous", "ack.p99 < 60s", "vote_to_reader.p99 < 60000ms", "failed_share < 1%");
            Assert.Equal(LivePoll.LoadTests.ExitCodes.Passed, generous.ExitCode);
            Assert.Equal(3, generous.Report.Thresholds.Count);
            Assert.All(generous.Report.Thresholds, t => Assert.True(t.Passed, t.ToString()));

            // A malformed threshold is refused before anything runs.
            Assert.Equal(LivePoll.LoadTests.ExitCodes.CouldNotRun, await LivePoll.LoadTests.LoadTool.Main(["surge", "--target-url", _server.BaseAddress.ToString(),
                "--report", Path.Combine(folder, "refused"), "--threshold", "ack.p99 << 5ms"]));
            Assert.False(Directory.Exists(Path.Combine(folder, "refused")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_scenario_file_with_a_ramp_and_a_spike_runs_against_a_node_and_the_command_line_wins_over_it()
    {
        var folder = Directory.CreateTempSubdirectory("livepoll-scenario-").FullName;
        try
        {
            var file = Path.Combine(folder, "spike.yaml");
            await File.WriteAllTextAsync(file, """
                scenario: surge
                description: a ramp, a hold, a spike
                readers: 8
                voters: 300
                connections: 4
                stages:
                  - { duration: 300ms, rate: 100 }
                  - { duration: 500ms, rate: 100 }
                  - { duration: 100ms, rate: 600 }
                  - { duration: 400ms, rate: 600 }
                  - { duration: 200ms, rate: 0 }
                thresholds:
                  - failed_share < 1%
                """);
            var exitCode = await LivePoll.LoadTests.LoadTool.Main(["surge", "--scenario", file, "--target-url", _server.BaseAddress.ToString(),
                "--api-key", LivePollServer.EditorKey, "--readers", "3", "--threshold", "ack.p99 < 60s", "--report", Path.Combine(folder, "run")])
                .DefaultTimeout(TimeSpan.FromMinutes(2));
            var report = ShardMerge.Read(Path.Combine(folder, "run", "report.json"));

            Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
            Assert.Equal(LivePoll.LoadTests.ExitCodes.Passed, exitCode);
            // 15 votes up the ramp, 50 on the hold, 35 up the spike, 240 at its top, 60 down: every one due was sent.
            Assert.Equal(400, report.Sent);
            Assert.Equal(0, report.NotSent);
            Assert.Equal(300, report.Outcomes["Accepted"]);
            Assert.Equal("to 100/s in 0.3 s, hold 0.5 s, to 600/s in 0.1 s, hold 0.4 s, to 0/s in 0.2 s", report.Settings["profile"]);
            Assert.Equal("3", report.Settings["readers"]);
            Assert.Equal("300", report.Settings["voters"]);
            Assert.Equal("a ramp, a hold, a spike", report.Settings["description"]);
            Assert.Equal(file, report.Settings["scenario file"]);
            Assert.Equal(["failed_share < 1%", "ack.p99 < 60s"], report.Thresholds.Select(t => t.Expression));
            Assert.All(report.Thresholds, t => Assert.True(t.Passed, t.ToString()));

            // A malformed file is refused before anything runs.
            var bad = Path.Combine(folder, "bad.yaml");
            await File.WriteAllTextAsync(bad, "scenario: surge\nstages:\n  - { duration: soon, rate: 100 }\n");
            Assert.Equal(LivePoll.LoadTests.ExitCodes.CouldNotRun, await LivePoll.LoadTests.LoadTool.Main(["surge", "--scenario", bad, "--target-url", _server.BaseAddress.ToString(),
                "--report", Path.Combine(folder, "refused")]));
            Assert.False(Directory.Exists(Path.Combine(folder, "refused")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_scenario_file_with_several_polls_and_transport_and_protocol_mixes_counts_every_poll_and_sends_the_mix()
    {
        var folder = Directory.CreateTempSubdirectory("livepoll-mix-").FullName;
        try
        {
            var file = Path.Combine(folder, "mix.yaml");
            await File.WriteAllTextAsync(file, """
                scenario: surge
                readers: 8
                voters: 200
                polls: 3
                transport: { hub: 2, http: 1 }
                protocol: { messagepack: 3, json: 1 }
                connections: 4
                stages:
                  - { duration: 1s, rate: 400 }
                  - { duration: 1s, rate: 400 }
                """);
            var exitCode = await LivePoll.LoadTests.LoadTool.Main(["surge", "--scenario", file, "--target-url", _server.BaseAddress.ToString(),
                "--api-key", LivePollServer.EditorKey, "--report", Path.Combine(folder, "run")]).DefaultTimeout(TimeSpan.FromMinutes(2));
            var report = ShardMerge.Read(Path.Combine(folder, "run", "report.json"));

            // 600 votes, 200 to each poll, each from its own voter: every one counted in its poll.
            Assert.Equal(LivePoll.LoadTests.ExitCodes.Passed, exitCode);
            Assert.Equal(600, report.Sent);
            Assert.Equal(600, report.Outcomes["Accepted"]);
            Assert.Equal("Hub 66.7 %, Http 33.3 %", report.Settings["transport"]);
            Assert.Equal("readers MessagePack 75 %, Json (full client) 25 %", report.Settings["protocol"]);
            Assert.Equal(8 + 4, report.Connects);
            // Every sampled reader, light or full, saw every vote of its poll.
            Assert.DoesNotContain(report.Verdict.Checks, c => c.Contains("never saw", StringComparison.Ordinal));
            Assert.True(report.VoteToReaderLatency!.Count > 0);
            Assert.Contains(report.Verdict.Checks, c => c.StartsWith("3 polls: server counted 600 new votes", StringComparison.Ordinal));
            var polls = report.Settings["poll"].Split(' ');
            Assert.Equal(3, polls.Distinct().Count());
            // In every poll a third of the votes came over HTTP, as the server's own audit records say.
            foreach (var poll in polls)
            {
                var integrity = await _server.Http.GetFromJsonAsync<PollIntegrity>($"/api/newsroom/polls/{poll}/integrity", LivePoll.LoadTests.Scenarios.Target.Json);
                Assert.Equal(200, integrity!.TotalVoters);
                Assert.Equal(134, integrity.ByTransport["hub"]);
                Assert.Equal(66, integrity.ByTransport["http"]);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Readers_who_arrive_during_the_run_are_paired_only_with_votes_answered_after_they_held_the_poll()
    {
        var folder = Directory.CreateTempSubdirectory("livepoll-arrival-").FullName;
        try
        {
            var exitCode = await LivePoll.LoadTests.LoadTool.Main(["surge", "--target-url", _server.BaseAddress.ToString(),
                "--api-key", LivePollServer.EditorKey, "--readers", "20", "--voters", "400", "--rate", "200", "--ramp-up", "0",
                "--hold", "2", "--ramp-down", "0", "--connections", "4", "--reader-arrival", "1", "--report", folder])
                .DefaultTimeout(TimeSpan.FromMinutes(2));
            var report = ShardMerge.Read(Path.Combine(folder, "report.json"));

            Assert.Equal(LivePoll.LoadTests.ExitCodes.Passed, exitCode);
            Assert.Equal(20 + 4, report.Connects);
            Assert.Equal("1 s", report.Settings["reader arrival"]);
            Assert.Equal(400, report.Outcomes["Accepted"]);
            // Every vote is sampled against every reader here (400 × 20 pairs) but a reader counts only for votes answered
            // after it arrived: the first votes had few readers, so there are measured pairs, and fewer than all.
            Assert.InRange(report.VoteToReaderLatency!.Count, 1, 400 * 20 - 1);
            Assert.DoesNotContain(report.Verdict.Checks, c => c.Contains("never saw", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Votes_due_beyond_the_in_flight_budget_are_counted_as_dropped_and_never_sent_late()
    {
        var folder = Directory.CreateTempSubdirectory("livepoll-dropped-").FullName;
        try
        {
            // One vote in flight at a time against 3,000 due in a second: the tool cannot keep up, and says so.
            var exitCode = await LivePoll.LoadTests.LoadTool.Main(["surge", "--target-url", _server.BaseAddress.ToString(),
                "--api-key", LivePollServer.EditorKey, "--readers", "1", "--voters", "5000", "--rate", "3000", "--ramp-up", "0",
                "--hold", "1", "--ramp-down", "0", "--connections", "1", "--max-in-flight", "1", "--threshold", "dropped < 1",
                "--report", folder]).DefaultTimeout(TimeSpan.FromMinutes(2));
            var report = ShardMerge.Read(Path.Combine(folder, "report.json"));

            Assert.True(report.NotSent > 0, $"{report.Sent} sent, {report.NotSent} dropped");
            Assert.Equal(3_000, report.Sent + report.NotSent);
            // What was sent was counted: dropping is the tool's limit, not a broken count.
            Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
            Assert.Equal(LivePoll.LoadTests.ExitCodes.ObjectiveMissed, exitCode);
            var dropped = Assert.Single(report.Thresholds);
            Assert.Equal(report.NotSent, dropped.Actual);
            Assert.False(dropped.Passed);
            Assert.Contains(ReportWriter.Rows(report), row => row.Name.Contains("dropped", StringComparison.Ordinal) && row.Value.EndsWith($" / {report.NotSent:N0}", StringComparison.Ordinal));

            // With --abort-on-fail a hopeless run stops sending at once: a minute's hold ends within seconds, still with its verdict.
            var abortedCode = await LivePoll.LoadTests.LoadTool.Main(["surge", "--target-url", _server.BaseAddress.ToString(),
                "--api-key", LivePollServer.EditorKey, "--readers", "1", "--voters", "5000", "--rate", "3000", "--ramp-up", "0",
                "--hold", "60", "--ramp-down", "0", "--connections", "1", "--max-in-flight", "1", "--threshold", "dropped < 1",
                "--abort-on-fail", "--report", Path.Combine(folder, "aborted")]).DefaultTimeout(TimeSpan.FromMinutes(1));
            var aborted = ShardMerge.Read(Path.Combine(folder, "aborted", "report.json"));
            Assert.Equal(LivePoll.LoadTests.ExitCodes.ObjectiveMissed, abortedCode);
            Assert.Contains("'dropped < 1' can no longer hold", aborted.Extra["aborted"]);
            Assert.True(aborted.Sent + aborted.NotSent < 30_000, $"{aborted.Sent} sent and {aborted.NotSent} dropped of 180,000 due: the run went on");
            Assert.True(aborted.Verdict.Passed, string.Join("; ", aborted.Verdict.Checks));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_server_that_loses_counted_votes_ends_the_run_with_the_correctness_code_even_when_every_threshold_passes()
    {
        // A server that loses two counted votes mid-run: once 50 are counted, its count goes down by two.
        var keys = _server.Services.GetRequiredService<RedisKeys>();
        var redis = _server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        using var target = Target(Protocol.MessagePack);
        var poll = await target.CreatePollAsync(3, CancellationToken.None);
        var folder = Directory.CreateTempSubdirectory("livepoll-lossy-").FullName;
        try
        {
            var losing = Task.Run(async () =>
            {
                await TimeoutExtensions.WaitUntilAsync(async () => (long)await redis.HashGetAsync(keys.PollCounts(poll.PollId), "_total") >= 50,
                    "50 votes counted", TimeSpan.FromMinutes(1));
                var option = poll.Options[0].Id;
                await redis.HashIncrementAsync(keys.PollCounts(poll.PollId), option, -2);
                await redis.HashIncrementAsync(keys.PollCounts(poll.PollId), "_total", -2);
            });
            var exitCode = await LivePoll.LoadTests.LoadTool.Main(["surge", "--target-url", _server.BaseAddress.ToString(),
                "--api-key", LivePollServer.EditorKey, "--poll", poll.PollId, "--readers", "2", "--voters", "1000", "--rate", "200",
                "--ramp-up", "0", "--hold", "2", "--ramp-down", "0", "--connections", "2",
                "--threshold", "failed_share < 1%", "--threshold", "ack.p99 < 60s", "--report", folder]).DefaultTimeout(TimeSpan.FromMinutes(2));
            await losing.DefaultTimeout();
            var report = ShardMerge.Read(Path.Combine(folder, "report.json"));

            Assert.Equal(LivePoll.LoadTests.ExitCodes.CorrectnessBroken, exitCode);
            Assert.Contains(report.Verdict.Checks, c => c.StartsWith("FAIL", StringComparison.Ordinal) && c.Contains("missing from the count", StringComparison.Ordinal));
            Assert.Equal(2, report.Thresholds.Count);
            Assert.All(report.Thresholds, t => Assert.True(t.Passed, t.ToString()));
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
