using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.Tests.Storage;

/// <summary>
/// deploy/redis/users.acl as shipped: the default user off, an admin, and a <c>livepoll</c> user allowed only the
/// commands, key pattern (<c>lp:*</c>) and channels LivePoll uses. Two LivePoll nodes run on a Redis Cluster with it,
/// through votes (with AckAfterReplicas, so WAIT), snapshots, the feed, tips over the backplane, sign-in sessions and
/// data-protection keys, rate limits and a scheduled close, and no node's ACL LOG records a refusal; commands outside
/// the list, keys outside the prefix and foreign channels are refused.
/// </summary>
public sealed class RedisClusterAclTests
{
    private const string AdminPassword = "admin-secret-for-the-test", LivePollPassword = "livepoll-secret-for-the-test";

    [Fact]
    public async Task LivePoll_runs_on_a_cluster_as_the_livepoll_user_and_redis_refuses_what_it_is_not_allowed()
    {
        var directory = Directory.CreateTempSubdirectory("livepoll-acl-").FullName;
        try
        {
            var acl = Path.Combine(directory, "users.acl");
            await File.WriteAllTextAsync(acl, (await File.ReadAllTextAsync(Path.Combine(NginxProcess.RepositoryRoot(), "deploy", "redis", "users.acl")))
                .Replace("change-this-admin-password", AdminPassword, StringComparison.Ordinal)
                .Replace("change-this-livepoll-password", LivePollPassword, StringComparison.Ordinal));
            await using var redis = await RedisClusterProcess.StartAsync(
                extraArguments: ["--aclfile", acl, "--masteruser", "admin", "--masterauth", AdminPassword], admin: ("admin", AdminPassword));

            var settings = new Dictionary<string, string?>
            {
                ["Redis:KeyPrefix"] = "lp",
                ["Redis:AckAfterReplicas"] = "1",
                ["Limits:Enabled"] = "true",
            };
            try
            {
                await RunLivePollAsync(redis, settings);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Say what Redis refused, if anything: that is the likely cause.
                var logs = await Task.WhenAll(redis.Ports.Select(async p => $"node {p}: {(await redis.CliAsync(p, "ACL", "LOG")).ReplaceLineEndings(" ")}"));
                throw new InvalidOperationException($"{ex.Message}\nACL LOG:\n{string.Join("\n", logs)}", ex);
            }

            // Nothing LivePoll did was refused on any node (ACL LOG records every refusal: command, key or channel).
            foreach (var port in redis.Ports)
            {
                var log = await redis.CliAsync(port, "ACL", "LOG");
                Assert.True(string.IsNullOrWhiteSpace(log), $"node {port} refused something LivePoll asked for:\n{log}");
            }

            // What the livepoll user may not do (asked of the primary that owns the command's first argument as a key).
            async Task<string> AsLivePollAsync(params string[] command) =>
                await RedisCli.RunAsync(await redis.PrimaryOfAsync(command.Length > 1 ? command[1] : "lp:x"),
                    ["--user", "livepoll", "--pass", LivePollPassword, "--no-auth-warning", .. command]);
            Assert.StartsWith("NOPERM", await AsLivePollAsync("FLUSHALL"));
            Assert.StartsWith("NOPERM", await AsLivePollAsync("CONFIG", "SET", "appendonly", "no"));
            Assert.StartsWith("NOPERM", await AsLivePollAsync("KEYS", "*"));
            Assert.StartsWith("NOPERM", await AsLivePollAsync("SET", "another-app:key", "1"));
            Assert.StartsWith("NOPERM", await AsLivePollAsync("GET", "another-app:key"));
            Assert.StartsWith("NOPERM", await AsLivePollAsync("PUBLISH", "another-app:channel", "x"));
            Assert.Equal("OK", (await AsLivePollAsync("SET", "lp:acl-check", "1")).Trim());
            // Without signing in, nothing at all.
            Assert.StartsWith("NOAUTH", await RedisCli.RunAsync(await redis.PrimaryOfAsync("lp:acl-check"), "GET", "lp:acl-check"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Two nodes as the livepoll user through everything that touches the store.</summary>
    private static async Task RunLivePollAsync(RedisClusterProcess redis, Dictionary<string, string?> settings)
    {
        var configuration = $"{redis.Configuration},user=livepoll,password={LivePollPassword}";
        await using var first = await LivePollServer.StartAsync(configuration, settings);
        await using var second = await LivePollServer.StartAsync(configuration, settings);
        foreach (var node in new[] { first, second })
        {
            using var ready = await node.Http.GetAsync("/health/ready").DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // Polls: readers on both nodes, votes over HTTP (limited: the rate-limit script) and the hub, a scheduled close.
        var poll = await first.CreatePollAsync(closesAt: DateTime.UtcNow.AddSeconds(3));
        var reader = await second.ConnectAsync(WireProtocol.MessagePack);
        var snapshots = new EventRecorder<PollSnapshot>(reader, ClientEvents.PollSnapshot);
        var feed = new EventRecorder<FeedEvent>(reader, ClientEvents.FeedEvent);
        await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
        await reader.InvokeAsync<FeedCatchUp>(HubMethods.SubscribeFeed, (long?)null).DefaultTimeout();
        Assert.Equal(VoteOutcome.Accepted, (await first.VoteHttpAsync(first.Http, poll.PollId, await first.NewVoterAsync(), "1")).Outcome);
        var voter = await first.ConnectAsync();
        Assert.Equal(VoteOutcome.Accepted, (await voter.VoteHubAsync(poll.PollId, await first.NewVoterAsync(), "2")).Outcome);
        await snapshots.WaitForAsync(s => s.TotalVoters == 2, "the reader on the other node sees both votes");
        await snapshots.WaitForAsync(s => s.State == PollState.Closed, "the poll closes on schedule");

        // The feed: publish, correct, pin.
        using (var published = await first.Http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Under ACL", Body = "<p>x</p>" }).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            var article = (await published.Content.ReadFromJsonAsync<ArticleView>(PollTestKit.Json))!;
            using var corrected = await second.Http.PostAsJsonAsync($"/api/newsroom/articles/{article.Id}/corrections",
                new CorrectionInput { Body = "<p>y</p>", Note = "Fixed" }).DefaultTimeout();
            Assert.True(corrected.IsSuccessStatusCode, await corrected.Content.ReadAsStringAsync());
        }
        await feed.WaitForAsync(e => e.Kind == FeedEventKind.Corrected, "the reader gets the correction");

        // Tips cross the SignalR backplane to a screen on the other node.
        var screen = await second.ConnectAsync(apiKey: LivePollServer.ScreenKey);
        var tips = new EventRecorder<Tip>(screen, ClientEvents.TipReceived);
        await screen.InvokeAsync<IReadOnlyList<Tip>>(HubMethods.JoinNewsroom).DefaultTimeout();
        using (var tip = await first.Http.PostAsJsonAsync("/api/tips", new TipInput { Text = "ACL tip" }).DefaultTimeout())
        {
            tip.EnsureSuccessStatusCode();
        }
        await tips.WaitForAsync(t => t.Text == "ACL tip", "the screen on the other node gets the tip");

        // A newsroom sign-in: a stored session and the data-protection key ring; the cookie opens on the other node.
        using (var plain = new HttpClient())
        {
            using var signIn = await plain.PostAsJsonAsync(new Uri(first.BaseAddress, "/api/session"),
                new { name = LivePollServer.EditorAccount, password = LivePollServer.AccountPassword }).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("lp_newsroom=", StringComparison.Ordinal));
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(second.BaseAddress, "/api/newsroom/articles"));
            request.Headers.Add("Cookie", cookie[..cookie.IndexOf(';')]);
            using var articles = await plain.SendAsync(request).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, articles.StatusCode);
        }

        foreach (var connection in new[] { reader, voter, screen })
        {
            await connection.DisposeAsync();
        }
    }
}
