using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.LoadTests.Reporting;
using LivePoll.LoadTests.Scenarios;
using LivePoll.LoadTests.Measurement;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Media;
using LivePoll.Tests.Polls;

namespace LivePoll.Tests.Storage;

/// <summary>
/// The embedded default keeps its data: a real server process on the embedded store with a data folder, killed with
/// SIGKILL in the middle of a vote surge from the load tool while articles are being published, then started again
/// on the same folder. Nothing it acknowledged may be missing afterwards.
/// </summary>
public sealed class EmbeddedPersistenceTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("livepoll-data-");

    // One hash for every start: a changed password hash (a new salt) rightly signs the account's sessions out.
    private static readonly string PasswordHash = LivePoll.Server.Newsroom.Passwords.Hash(LivePollServer.AccountPassword);

    public void Dispose() => _data.Delete(recursive: true);

    /// <summary>Every node here: no demo data (the counts are the test's), and a newsroom account to sign in with.</summary>
    private static readonly Dictionary<string, string> NodeSettings = new()
    {
        ["Polls__SeedDemoData"] = "false",
        ["Feed__SeedDemoData"] = "false",
        ["Newsroom__Accounts__0__Name"] = LivePollServer.EditorAccount,
        ["Newsroom__Accounts__0__Role"] = "editor",
        ["Newsroom__Accounts__0__PasswordHash"] = PasswordHash,
    };

    /// <param name="port">
    /// The port to listen on; null: a free one (tried again if another process takes it first). A restart goes to a free
    /// port too unless a client must find the node where it was: tests run in parallel, and the old port may have gone to
    /// another test's process while this node was down.
    /// </param>
    private Task<NodeProcess> StartNodeAsync(int? port = null, int checkpointSeconds = 300) => NodeProcess.StartAsync("embedded", redisConfiguration: "", keyPrefix: "lp", port,
        new Dictionary<string, string>(NodeSettings)
        {
            ["Store__Embedded__CheckpointIntervalSeconds"] = checkpointSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Store__Embedded__Persist"] = "true",
            ["Store__DataDirectory"] = _data.FullName,
            ["Logging__LogLevel__LivePoll.Server.Storage"] = "Information",
        });

    /// <summary>A command of the server (<c>--export</c>, <c>--backup</c>, …) on this test's data folder.</summary>
    private Task<(int ExitCode, string Output)> RunOnFolderAsync(params string[] arguments) =>
        NodeProcess.RunCommandAsync(new Dictionary<string, string> { ["Store__DataDirectory"] = _data.FullName }, arguments);

    private static HttpClient Editor(NodeProcess node)
    {
        var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", LivePollServer.EditorKey);
        return client;
    }

    /// <summary>
    /// The runs (<see cref="FaultRuns"/>) alternate between 300 seconds between checkpoints (the default: none before the
    /// kill, so the start replays the whole append-only file) and 1 (checkpoints taken during the surge, so the start
    /// loads one and replays the file after it).
    /// </summary>
    public static TheoryData<int, int> KillRuns()
    {
        var runs = new TheoryData<int, int>();
        foreach (var run in Enumerable.Range(1, FaultRuns.Count))
        {
            runs.Add(run, run % 2 == 1 ? 300 : 1);
        }
        return runs;
    }

    [Theory]
    [MemberData(nameof(KillRuns))]
    public async Task Kill_9_mid_surge_then_restart_on_the_same_folder_keeps_every_acknowledged_vote_article_poll_and_sign_in(int run, int checkpointSeconds)
    {
        var port = EmbeddedGarnet.FreeLoopbackPort();
        var node = await StartNodeAsync(port, checkpointSeconds);
        var killedNodes = new List<NodeProcess>();
        try
        {
            using var editor = Editor(node);

            // A signed-in newsroom browser: a stored session, sealed with the data-protection keys in the store.
            string cookie;
            using (var plain = new HttpClient { BaseAddress = node.BaseAddress })
            {
                using var signIn = await plain.PostAsJsonAsync("/api/session",
                    new { name = LivePollServer.EditorAccount, password = LivePollServer.AccountPassword }).DefaultTimeout();
                Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
                var setCookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("lp_newsroom=", StringComparison.Ordinal));
                cookie = setCookie[..setCookie.IndexOf(';')];
            }

            // Polls in every state: closed by hand, scheduled to open tomorrow, and one that closes by itself after the restart.
            var closed = await editor.CreateYesNoPollAsync($"Closed before the crash, run {run}");
            using (var close = await editor.PostAsync($"/api/newsroom/polls/{closed.PollId}/close", null).DefaultTimeout())
            {
                close.EnsureSuccessStatusCode();
            }
            var opensAt = DateTime.UtcNow.AddDays(1);
            var scheduled = await CreatePollAsync(editor, new CreatePollRequest
            {
                Question = "Opens tomorrow",
                Options = [new CreatePollOption { Text = "Yes" }, new CreatePollOption { Text = "No" }],
                OpensAt = opensAt,
            });
            var closesAt = DateTime.UtcNow.AddSeconds(25);
            var closing = await CreatePollAsync(editor, new CreatePollRequest
            {
                Question = "Closes by itself",
                Options = [new CreatePollOption { Text = "Yes" }, new CreatePollOption { Text = "No" }],
                ClosesAt = closesAt,
            });

            // The surge: the load tool's readers and hub voters on one poll; each vote from its own voter.
            using var target = new Target([node.BaseAddress], LivePollServer.EditorKey, Protocol.MessagePack);
            var surgePoll = await target.CreatePollAsync(3, CancellationToken.None);
            var accepted = new ConcurrentDictionary<string, byte>();
            var checkpointed = false;

            // Articles published all along, each acknowledged one noted.
            var articles = new ConcurrentDictionary<string, byte>();
            using var stopPublishing = new CancellationTokenSource();
            var publishing = Task.Run(async () =>
            {
                for (var i = 0; i < 2_000 && !stopPublishing.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var published = await editor.PostAsJsonAsync("/api/newsroom/articles",
                            new ArticleInput { Title = $"Run {run}, article {i}", Body = "<p>Live.</p>" }, stopPublishing.Token);
                        if (published.StatusCode == HttpStatusCode.Created)
                        {
                            articles[(await published.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!.Id] = 0;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                    {
                        // The server is down (or being killed): not acknowledged, so not expected afterwards.
                    }
                    await Task.Delay(40, CancellationToken.None);
                }
            });
            var epochBefore = (await editor.GetFromJsonAsync<FeedCatchUp>("/api/feed/events?after=0", PollTestKit.Json).DefaultTimeout())!.Epoch;

            // SIGKILL once a good number of votes were acknowledged, in the middle of the hold.
            const int killAfter = 600;
            var killing = Task.Run(async () =>
            {
                await TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(accepted.Count >= killAfter), $"{killAfter} votes acknowledged",
                    TimeSpan.FromSeconds(90));
                await node.KillAsync();
            });
            var report = await new SurgeScenario(target, new SurgeOptions
            {
                Readers = 10,
                Voters = 5_000,
                Profile = new RateProfile(800, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(0.5)),
                Transport = Transport.Hub,
                VoteConnections = 8,
                PollId = surgePoll.PollId,
                Answered = (token, outcome) =>
                {
                    if (outcome == VoteOutcome.Accepted)
                    {
                        accepted[token] = 0;
                    }
                },
                // Before the tool reads the final count: the server is started again on the same folder and port.
                BeforeVerdict = async _ =>
                {
                    await killing;
                    await stopPublishing.CancelAsync();
                    await publishing;
                    killedNodes.Add(node);
                    checkpointed = Directory.Exists(Path.Combine(_data.FullName, "Store", "checkpoints", "cpr-checkpoints"));
                    node = await StartNodeAsync(port, checkpointSeconds);
                },
            }, new SilentProgress()).RunAsync(CancellationToken.None).DefaultTimeout(TimeSpan.FromMinutes(4));

            // The load tool's verdict: every vote acknowledged as Accepted is in the count, nothing beyond the unanswered.
            Assert.True(report.Verdict.Passed, string.Join("; ", report.Verdict.Checks));
            Assert.True(accepted.Count >= killAfter, $"only {accepted.Count} votes acknowledged");
            Assert.True(report.Sent > report.Acknowledged, "the kill happened before the surge ended");

            // By voter: each acknowledged voter is known to the restarted server (AlreadyVoted), and the count is the voters'.
            using var restarted = Editor(node);
            var notKept = 0;
            await Parallel.ForEachAsync(accepted.Keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (token, _) =>
            {
                using var again = await restarted.VoteAsync(surgePoll.PollId, token, surgePoll.Options[0].Id);
                var body = await again.Content.ReadFromJsonAsync<VoteResult>(PollTestKit.Json);
                if (body?.Outcome != VoteOutcome.AlreadyVoted)
                {
                    Interlocked.Increment(ref notKept);
                }
            });
            Assert.Equal(0, notKept);
            var final = await GetPollAsync(restarted, surgePoll.PollId);
            Assert.InRange(final.TotalVoters ?? 0, accepted.Count, report.Sent);
            if (final.TotalVoters != final.Options.Sum(o => o.Count))
            {
                // Which half of the vote script's writes the replay kept: the audit list is written by the same script.
                var integrity = await restarted.GetFromJsonAsync<PollIntegrity>($"/api/newsroom/polls/{surgePoll.PollId}/integrity", PollTestKit.Json);
                Assert.Fail($"after the restart the poll counts {final.TotalVoters} voters but its options sum to {final.Options.Sum(o => o.Count)} "
                    + $"(audit records {integrity?.Records}, changes {integrity?.Changes}, outcomes {string.Join(", ", integrity?.Outcomes ?? new Dictionary<string, long>())}); "
                    + node.Output.Split('\n').FirstOrDefault(l => l.Contains("Recovered the embedded store", StringComparison.Ordinal))?.Trim());
            }

            // The feed continues: same epoch, sequences 1..N without a gap, every acknowledged article in it, the next one N+1.
            var feed = (await restarted.GetFromJsonAsync<FeedCatchUp>("/api/feed/events?after=0", PollTestKit.Json).DefaultTimeout())!;
            Assert.True(feed.Complete);
            Assert.Equal(epochBefore, feed.Epoch);
            Assert.Equal(Enumerable.Range(1, feed.Events.Count).Select(i => (long)i), feed.Events.Select(e => e.Sequence));
            Assert.Equal(feed.LastSequence, feed.Events.Count);
            var published = feed.Events.Where(e => e.Kind == FeedEventKind.Published).Select(e => e.Article.Id).ToHashSet();
            var lostArticles = articles.Keys.Where(id => !published.Contains(id)).ToList();
            Assert.True(lostArticles.Count == 0, $"acknowledged articles missing after the restart: {string.Join(", ", lostArticles)}");
            Assert.True(articles.Count > 0, "articles were acknowledged before the kill");
            using (var next = await restarted.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "After the restart", Body = "<p>Back.</p>" }).DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.Created, next.StatusCode);
            }
            var after = (await restarted.GetFromJsonAsync<FeedCatchUp>($"/api/feed/events?after={feed.LastSequence}", PollTestKit.Json).DefaultTimeout())!;
            Assert.Equal([feed.LastSequence + 1], after.Events.Select(e => e.Sequence));
            Assert.Equal(epochBefore, after.Epoch);

            // Polls keep their state and schedule, and the schedule still runs.
            Assert.Equal(PollState.Closed, (await GetPollAsync(restarted, closed.PollId)).State);
            var stillScheduled = await GetPollAsync(restarted, scheduled.PollId);
            Assert.Equal(PollState.Scheduled, stillScheduled.State);
            Assert.Equal(opensAt, stillScheduled.OpensAt!.Value, TimeSpan.FromSeconds(1));
            await TimeoutExtensions.WaitUntilAsync(async () => (await GetPollAsync(restarted, closing.PollId)).State == PollState.Closed,
                "the poll scheduled to close closes by itself after the restart", TimeSpan.FromSeconds(60));

            // The signed-in cookie still opens the newsroom.
            using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/newsroom/articles"))
            using (var plain = new HttpClient { BaseAddress = node.BaseAddress })
            {
                request.Headers.Add("Cookie", cookie);
                using var answer = await plain.SendAsync(request).DefaultTimeout();
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }

            // The start said what it recovered, from a checkpoint when one had been taken before the kill.
            Assert.Contains("Recovered the embedded store from " + _data.FullName, node.Output);
            Assert.Equal(checkpointSeconds < 300, checkpointed);
            output.WriteLine($"run {run} ({(checkpointed ? "checkpoints during the surge" : "no checkpoint before the kill")}): {report.Sent} votes sent, {accepted.Count} acknowledged as Accepted before the kill, {final.TotalVoters} counted after "
                + $"the restart; {articles.Count} articles acknowledged, {feed.LastSequence} feed events kept; "
                + node.Output.Split('\n').FirstOrDefault(l => l.Contains("Recovered the embedded store", StringComparison.Ordinal))?.Trim());
        }
        finally
        {
            await node.DisposeAsync();
            foreach (var killed in killedNodes)
            {
                await killed.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_torn_tail_of_the_append_only_file_is_reported_and_the_server_starts_with_what_came_before_it()
    {
        var node = await StartNodeAsync();
        PollSnapshot poll;
        const int votes = 40;
        try
        {
            using var editor = Editor(node);
            poll = await editor.CreateYesNoPollAsync("Torn tail");
            for (var i = 0; i < votes; i++)
            {
                using var vote = await editor.VoteAsync(poll.PollId, (await editor.NewVoterTokenAsync()).Token, poll.Options[0].Id).DefaultTimeout();
                Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
            }
            await node.KillAsync();
        }
        finally
        {
            await node.DisposeAsync();
        }

        // A crash in the middle of writing the last commit record: its bytes on disk are garbage.
        var segment = Directory.GetFiles(Path.Combine(_data.FullName, "AOF"), "aof.log.*")
            .Select(path => (Path: path, Bytes: File.ReadAllBytes(path)))
            .Select(f => (f.Path, f.Bytes, End: Array.FindLastIndex(f.Bytes, b => b != 0) + 1))
            .Where(f => f.End > 0)
            .OrderBy(f => int.Parse(f.Path[(f.Path.LastIndexOf('.') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .Last();
        for (var i = segment.End - 64; i < segment.End; i++)
        {
            segment.Bytes[i] ^= 0xA5;
        }
        await File.WriteAllBytesAsync(segment.Path, segment.Bytes);

        await using var restarted = await StartNodeAsync();
        Assert.Contains("ended in a torn or unreadable record", restarted.Output);
        Assert.Contains("Recovered the embedded store from " + _data.FullName, restarted.Output);
        using var again = Editor(restarted);
        var recovered = await GetPollAsync(again, poll.PollId);
        // Everything before the torn record is there; at most the last batch (one vote here) went with it.
        Assert.InRange(recovered.TotalVoters ?? 0, votes - 1, votes);
        output.WriteLine($"{recovered.TotalVoters} of {votes} votes after the torn tail; "
            + restarted.Output.Split('\n').FirstOrDefault(l => l.Contains("torn or unreadable", StringComparison.Ordinal))?.Trim());

        // And it goes on: a new vote counts.
        using var next = await again.VoteAsync(poll.PollId, (await again.NewVoterTokenAsync()).Token, poll.Options[1].Id).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_embedded_store_answers_no_other_local_process_and_the_node_still_works_after_a_restart()
    {
        PollSnapshot poll;
        await using (var node = await StartNodeAsync())
        {
            using var editor = Editor(node);
            poll = await editor.CreateYesNoPollAsync("Whose store?");
            using (var vote = await editor.VoteAsync(poll.PollId, (await editor.NewVoterTokenAsync()).Token, poll.Options[0].Id).DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
            }

            // Every port the node's process listens on besides its own HTTP port: the embedded store's.
            var others = node.ListeningPorts().Where(p => p != node.Port).ToList();
            Assert.NotEmpty(others);
            foreach (var other in others)
            {
                foreach (var command in new[] { new[] { "KEYS", "*" }, ["GET", "lp:data-protection:keys"], ["HGETALL", $"lp:poll:{{{poll.PollId}}}:counts"], ["FLUSHALL"] })
                {
                    var answer = await RedisCli.RunAsync(other, command);
                    Assert.Contains("NOAUTH", answer);
                    Assert.DoesNotContain("lp:", answer);
                }
            }

            // The operator's way in for maintenance: the password in the data folder, readable by its owner only.
            var passwordFile = Path.Combine(_data.FullName, EmbeddedGarnet.PasswordFileName);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
            var keys = await RedisCli.RunAsync(others[0], "--no-auth-warning", "-a", File.ReadAllText(passwordFile).Trim(), "DBSIZE");
            Assert.True(long.Parse(keys.Trim(), System.Globalization.CultureInfo.InvariantCulture) > 0, keys);
        }

        // Restarted on the same folder (a new password), it has what it had and counts on.
        await using var restarted = await StartNodeAsync();
        using var again = Editor(restarted);
        Assert.Equal(1, (await GetPollAsync(again, poll.PollId)).TotalVoters);
        using (var next = await again.VoteAsync(poll.PollId, (await again.NewVoterTokenAsync()).Token, poll.Options[1].Id).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }
        Assert.Equal(2, (await GetPollAsync(again, poll.PollId)).TotalVoters);
    }

    [Fact]
    public async Task A_second_process_on_the_same_data_folder_is_refused_with_a_clear_message()
    {
        await using var first = await StartNodeAsync(EmbeddedGarnet.FreeLoopbackPort());
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartNodeAsync(EmbeddedGarnet.FreeLoopbackPort()));
        Assert.Contains($"The data folder {_data.FullName} is in use by another LivePoll process", error.Message);
    }

    [Fact]
    public async Task Export_from_the_embedded_store_and_import_into_redis_server_gives_the_same_polls_counts_articles_feed_and_tips()
    {
        // History on the embedded default: polls in several states with votes, articles published, corrected, retracted and pinned, tips.
        string earlyVoter;
        PollSnapshot open;
        MediaItem photo;
        await using (var node = await StartNodeAsync())
        {
            using var editor = Editor(node);
            open = await editor.CreateYesNoPollAsync("Стадион салу керек пе?");
            var closed = await editor.CreateYesNoPollAsync("Closed with votes");
            var voters = new List<string>();
            for (var i = 0; i < 12; i++)
            {
                voters.Add((await editor.NewVoterTokenAsync()).Token);
                var poll = i % 3 == 0 ? closed : open;
                using var vote = await editor.VoteAsync(poll.PollId, voters[i], poll.Options[i % 2].Id).DefaultTimeout();
                Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
            }
            earlyVoter = voters[1];
            (await editor.PostAsync($"/api/newsroom/polls/{closed.PollId}/close", null).DefaultTimeout()).Dispose();
            await CreatePollAsync(editor, new CreatePollRequest
            {
                Question = "Scheduled",
                Options = [new CreatePollOption { Text = "A" }, new CreatePollOption { Text = "B" }, new CreatePollOption { Text = "C" }],
                OpensAt = DateTime.UtcNow.AddDays(2),
            });
            var ids = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                using var published = await editor.PostAsJsonAsync("/api/newsroom/articles",
                    new ArticleInput { Title = $"Жаңалық {i}", Lead = "Новость", Body = $"<p>Body {i}</p>" }).DefaultTimeout();
                Assert.Equal(HttpStatusCode.Created, published.StatusCode);
                ids.Add((await published.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!.Id);
            }
            (await editor.PostAsJsonAsync($"/api/newsroom/articles/{ids[1]}/corrections", new CorrectionInput { Body = "<p>Fixed</p>", Note = "A fix" }).DefaultTimeout()).EnsureSuccessStatusCode();
            (await editor.PostAsJsonAsync($"/api/newsroom/articles/{ids[2]}/retract", new { note = "Wrong" }).DefaultTimeout()).EnsureSuccessStatusCode();
            (await editor.PostAsync($"/api/newsroom/articles/{ids[3]}/pin", null).DefaultTimeout()).EnsureSuccessStatusCode();
            // A photo: its renditions live in the data folder and must move with the keys.
            photo = (await MediaUploadTests.UploadAsync(editor, TestPhotos.Jpeg(1200, 800), "moved.jpg", "image/jpeg")).Item!;
            (await editor.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput
            {
                Title = "With a photo", Body = "<p>b</p>", ImageId = photo.Id, ImageAlt = "A photo that moves", ImageCredit = "Desk",
            }).DefaultTimeout()).EnsureSuccessStatusCode();
            foreach (var text in new[] { "Су құбыры жарылды", "A tip in English" })
            {
                (await editor.PostAsJsonAsync("/api/tips", new TipInput { Text = text }).DefaultTimeout()).EnsureSuccessStatusCode();
            }
        }

        // Export (the server is stopped: the folder is free), then import into a real redis-server.
        var file = Path.Combine(_data.Parent!.FullName, _data.Name + "-export.json");
        try
        {
            var exported = await RunOnFolderAsync("--export", file);
            Assert.True(exported.ExitCode == 0, exported.Output);
            Assert.Contains("3 polls with 12 voters, 6 articles", exported.Output);
            Assert.Contains($"1 photos in {photo.Renditions.Count} files", exported.Output);
            await using var redis = await RedisServerProcess.StartAsync();
            var movedMedia = Directory.CreateTempSubdirectory("livepoll-moved-media-");
            using var removeMedia = new DeleteOnDispose(movedMedia);
            var onRedis = new Dictionary<string, string> { ["Redis__Configuration"] = redis.Configuration, ["Media__Directory"] = movedMedia.FullName };
            var imported = await NodeProcess.RunCommandAsync(onRedis, "--import", file);
            Assert.True(imported.ExitCode == 0, imported.Output);
            var again = await NodeProcess.RunCommandAsync(onRedis, "--import", file);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("already holds LivePoll keys", again.Output);

            // The same answers from the embedded store (started again on its folder) and from Redis, through the HTTP API.
            await using var embedded = await StartNodeAsync();
            await using var moved = await NodeProcess.StartAsync("moved", redis.Configuration, "lp",
                settings: new Dictionary<string, string>(NodeSettings) { ["Media__Directory"] = movedMedia.FullName });
            using var before = Editor(embedded);
            using var after = Editor(moved);
            foreach (var path in new[]
            {
                "/api/newsroom/polls", $"/api/newsroom/polls/{open.PollId}", "/api/polls/open", "/api/feed?limit=50&lang=kk", "/api/feed/events?after=0",
                "/api/newsroom/articles", "/api/newsroom/tips",
            })
            {
                var expected = await before.GetStringAsync(path).DefaultTimeout();
                var actual = await after.GetStringAsync(path).DefaultTimeout();
                Assert.True(expected == actual, $"{path} differs after the move:\nembedded: {expected}\nredis:    {actual}");
            }

            // The photo is served by the restarted embedded node and by the node on Redis, byte for byte.
            foreach (var rendition in photo.Renditions)
            {
                var there = await before.GetByteArrayAsync(rendition.Url).DefaultTimeout();
                Assert.Equal(there, await after.GetByteArrayAsync(rendition.Url).DefaultTimeout());
                Assert.Equal(rendition.Bytes, there.Length);
            }

            // The voters and their signing keys moved too: an early voter is still one vote, and a new vote counts on.
            using (var repeat = await after.VoteAsync(open.PollId, earlyVoter, open.Options[0].Id).DefaultTimeout())
            {
                Assert.Equal(VoteOutcome.AlreadyVoted, (await repeat.Content.ReadFromJsonAsync<VoteResult>(PollTestKit.Json))!.Outcome);
            }
            using (var fresh = await after.VoteAsync(open.PollId, (await after.NewVoterTokenAsync()).Token, open.Options[0].Id).DefaultTimeout())
            {
                Assert.Equal(VoteOutcome.Accepted, (await fresh.Content.ReadFromJsonAsync<VoteResult>(PollTestKit.Json))!.Outcome);
            }
            output.WriteLine(exported.Output.Trim());
            output.WriteLine(imported.Output.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Backup_and_restore_bring_a_data_folder_back_to_the_backed_up_state()
    {
        PollSnapshot poll;
        MediaItem photo;
        await using (var node = await StartNodeAsync())
        {
            using var editor = Editor(node);
            poll = await editor.CreateYesNoPollAsync("Backed up");
            using var vote = await editor.VoteAsync(poll.PollId, (await editor.NewVoterTokenAsync()).Token, poll.Options[0].Id).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
            photo = (await MediaUploadTests.UploadAsync(editor, TestPhotos.Jpeg(900, 600), "kept.jpg", "image/jpeg")).Item!;

            // While the server runs, the folder is its own: a backup is refused with what to do.
            var refused = await RunOnFolderAsync("--backup", _data.FullName + "-backup");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("is in use by another LivePoll process", refused.Output);
        }

        var backup = _data.FullName + "-backup";
        try
        {
            var backedUp = await RunOnFolderAsync("--backup", backup);
            Assert.True(backedUp.ExitCode == 0, backedUp.Output);
            Assert.Contains("1 polls with 1 voters", backedUp.Output);

            // Later votes, then a restore: the folder is back to one vote, and what it held is kept aside.
            await using (var node = await StartNodeAsync())
            {
                using var editor = Editor(node);
                using var vote = await editor.VoteAsync(poll.PollId, (await editor.NewVoterTokenAsync()).Token, poll.Options[1].Id).DefaultTimeout();
                Assert.Equal(2, (await GetPollAsync(editor, poll.PollId)).TotalVoters);
            }
            var restored = await RunOnFolderAsync("--restore", backup);
            Assert.True(restored.ExitCode == 0, restored.Output);
            Assert.Contains("What the folder held before is kept in", restored.Output);
            await using (var node = await StartNodeAsync())
            {
                using var editor = Editor(node);
                Assert.Equal(1, (await GetPollAsync(editor, poll.PollId)).TotalVoters);
                // The photo's renditions were in the data folder: the restored folder serves them.
                foreach (var rendition in photo.Renditions)
                {
                    Assert.Equal(rendition.Bytes, (await editor.GetByteArrayAsync(rendition.Url).DefaultTimeout()).Length);
                }
                Assert.Equal(photo.Id, (await editor.GetFromJsonAsync<MediaItem>($"/api/newsroom/media/{photo.Id}", PollTestKit.Json).DefaultTimeout())!.Id);
            }
        }
        finally
        {
            if (Directory.Exists(backup))
            {
                Directory.Delete(backup, recursive: true);
            }
            foreach (var aside in _data.Parent!.GetDirectories(_data.Name + ".before-restore-*"))
            {
                aside.Delete(recursive: true);
            }
        }
    }

    private static async Task<PollSnapshot> CreatePollAsync(HttpClient editor, CreatePollRequest request)
    {
        using var created = await editor.PostAsJsonAsync("/api/newsroom/polls", request, PollTestKit.Json).DefaultTimeout();
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<PollSnapshot>(PollTestKit.Json))!;
    }

    private static async Task<PollSnapshot> GetPollAsync(HttpClient editor, string pollId) =>
        (await editor.GetFromJsonAsync<PollSnapshot>($"/api/newsroom/polls/{pollId}", PollTestKit.Json).DefaultTimeout())!;
}
