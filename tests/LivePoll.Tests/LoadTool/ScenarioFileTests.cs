using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Scenarios;

namespace LivePoll.Tests.LoadTool;

/// <summary>Scenario files: the stages they describe, and every mistake refused with its line and a reason a person can act on.</summary>
public sealed class ScenarioFileTests
{
    [Fact]
    public void A_surge_file_gives_its_settings_and_stages_with_ramps_holds_and_a_spike()
    {
        var file = ScenarioFile.Parse("""
            scenario: surge
            readers: 2_000
            voters: 50000
            kind: words
            transport: http
            targets: [http://127.0.0.1:5080, http://127.0.0.1:5081]
            stages:
              - { duration: 10s, rate: 100 }   # ramp
              - { duration: 20s, rate: 100 }   # hold
              - { duration: 500ms, rate: 1000 } # spike
              - { duration: 1m, rate: 1000 }
              - { duration: 2, rate: 0 }
            thresholds:
              - ack.p99 < 250ms
            """, "test.yaml");

        Assert.Equal("surge", file.Scenario);
        Assert.Equal(2_000, file.Readers);
        Assert.Equal(50_000, file.Voters);
        Assert.Equal(PollKind.Words, file.Kind);
        Assert.Equal(Transport.Http, file.Transport);
        Assert.Equal(["http://127.0.0.1:5080", "http://127.0.0.1:5081"], file.Targets);
        Assert.Equal(["ack.p99 < 250ms"], file.Thresholds);
        var profile = file.Stages!;
        Assert.Equal(TimeSpan.FromSeconds(92.5), profile.Duration);
        Assert.Equal(1000, profile.PeakRate);
        // 10 s climbing to 100/s: 500; 20 s at 100/s: 2,000; half a second from 100 to 1,000/s: 275; a minute at 1,000/s:
        // 60,000; two seconds down to zero: 1,000.
        Assert.Equal(500, profile.DueBy(TimeSpan.FromSeconds(10)));
        Assert.Equal(2_500, profile.DueBy(TimeSpan.FromSeconds(30)));
        Assert.Equal(2_775, profile.DueBy(TimeSpan.FromSeconds(30.5)));
        Assert.Equal(63_775, profile.Total);
        // CPU is measured on the longest hold: the minute at 1,000/s.
        Assert.Equal((TimeSpan.FromSeconds(30.5), TimeSpan.FromSeconds(90.5)), profile.Steady);
        Assert.Equal("to 100/s in 10 s, hold 20 s, to 1,000/s in 0.5 s, hold 60 s, to 0/s in 2 s", profile.ToString());
    }

    [Fact]
    public void The_classic_ramp_hold_ramp_is_three_stages_and_a_shard_takes_its_share()
    {
        var profile = new RateProfile(1_000, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
        Assert.Equal(3, profile.Stages.Count);
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(12)), profile.Steady);
        Assert.Equal(6_000, profile.Scaled(0.5).Total);
    }

    [Theory]
    [InlineData("scenario: surge\nreaders: 10\nreader: 5\n", 3, "'reader' is not a surge setting; the keys are: scenario, description")]
    [InlineData("scenario: surge\nreaders: lots\n", 2, "'readers' is a whole number from 0 to 1,000,000, not 'lots'.")]
    [InlineData("scenario: surge\nstages:\n  - { duration: 10s, rate: 100 }\n  - { duration: soon, rate: 100 }\n", 4, "'duration' is a time such as 30s, 2m, 1h or 500ms")]
    [InlineData("scenario: surge\nstages:\n  - { duration: 10s, rate: -5 }\n", 3, "'rate' is a number of votes a second from 0")]
    [InlineData("scenario: surge\nstages:\n  - { duration: 10s }\n", 3, "this stage has no 'rate'")]
    [InlineData("scenario: surge\nstages:\n  - { duration: 10s, rate: 5, ramp: true }\n", 3, "'ramp' is not a stage setting")]
    [InlineData("scenario: surge\nstages:\n  - { duration: 10s, rate: 0 }\n", 3, "no stage sends a vote")]
    [InlineData("scenario: surge\nthresholds:\n  - ack.p99 < 250ms\n  - ack.p99 << 5ms\n", 4, "ack.p99 << 5ms")]
    [InlineData("scenario: surge\ntransport: pigeon\n", 2, "'transport' is one of hub, http, not 'pigeon'.")]
    [InlineData("scenario: surge\ntargets: [127.0.0.1:5080]\n", 2, "is not an absolute http(s) URL")]
    [InlineData("scenario: vote\n", 1, "'scenario' is surge, feed or soak, not 'vote'.")]
    [InlineData("readers: 5\n", 1, "'scenario' is missing")]
    [InlineData("scenario: surge\nreaders: 5\nreaders: 6\n", 3, "'readers' is given twice.")]
    [InlineData("scenario: surge\nreaders: [5\n", 3, "not valid YAML")]
    [InlineData("scenario: feed\nstages:\n  - { duration: 1s, rate: 1 }\n", 2, "'stages' is not a feed setting")]
    [InlineData("- scenario: surge\n", 1, "a scenario file is one mapping")]
    [InlineData("scenario: surge\nabortOnFail: maybe\n", 2, "'abortOnFail' is true or false, not 'maybe'.")]
    [InlineData("scenario: surge\ntransport: { hub: 1, pigeon: 2 }\n", 2, "a transport mix weighs hub and http, not 'pigeon'.")]
    [InlineData("scenario: soak\ntransport: { hub: 1, http: 1 }\n", 2, "a transport mix is for surge")]
    [InlineData("scenario: surge\npolls: 0\n", 2, "'polls' is a whole number from 1 to 1,000")]
    [InlineData("scenario: surge\nreaderArrival: soon\n", 2, "'readerArrival' is a time such as 30s")]
    [InlineData("scenario: surge\nprotocol: { messagepack: 1, xml: 1 }\n", 2, "a protocol mix weighs messagepack and json, not 'xml'.")]
    public void A_malformed_file_is_refused_with_the_line_and_the_reason(string text, int line, string reason)
    {
        var refused = Assert.Throws<ScenarioFileException>(() => ScenarioFile.Parse(text, "bad.yaml"));
        Assert.Equal(line, refused.Line);
        Assert.Contains(reason, refused.Message);
        Assert.StartsWith($"bad.yaml line {line}: ", refused.Message);
    }

    [Fact]
    public void Json_is_read_as_well_with_lines_named()
    {
        var refused = Assert.Throws<ScenarioFileException>(() => ScenarioFile.Parse("""
            {
              "scenario": "feed",
              "readers": 100,
              "articles": 50,
              "publishRate": "fast"
            }
            """, "feed.json"));
        Assert.Equal("feed.json line 5: 'publishRate' is a number of articles a second from 0.001 to 100,000, not 'fast'.", refused.Message);
        var file = ScenarioFile.Parse("""{ "scenario": "feed", "readers": 100, "publishRate": 2.5 }""", "feed.json");
        Assert.Equal((100, 2.5), (file.Readers, file.PublishRate));
    }

    [Fact]
    public void Every_shipped_scenario_reads()
    {
        var folder = Path.Combine(LivePoll.Tests.Infrastructure.NginxProcess.RepositoryRoot(), "load-tests", "scenarios");
        var files = Directory.GetFiles(folder, "*.yaml");
        Assert.True(files.Length >= 4, $"{files.Length} scenarios in {folder}");
        foreach (var path in files)
        {
            var file = ScenarioFile.Load(path);
            Assert.False(string.IsNullOrWhiteSpace(file.Description), $"{path} has no description");
            Assert.NotEmpty(file.Thresholds);
        }
    }
}
