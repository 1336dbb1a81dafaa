using System.Net;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Diagnostics;

/// <summary>
/// Debian's Prometheus scrapes a LivePoll node process (Production, /metrics open to loopback only through
/// Security:DiagnosticsNetworks) on a real redis-server, with deploy/prometheus/alerts.yml loaded. Votes, a refused vote (an unknown option),
/// a reader and an article make every query of the Grafana dashboard return data; a Redis outage fires
/// LivePollStoreUnavailable, and Redis coming back resolves it.
/// </summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Every_dashboard_query_has_data_and_the_store_alert_fires_during_an_outage_and_resolves_after()
    {
        var redis = await RedisServerProcess.StartAsync(appendOnly: true);
        RedisServerProcess? restarted = null;
        try
        {
            await using var node = await NodeProcess.StartAsync("node-a", redis.Configuration, TestPrefix.New(), settings: new Dictionary<string, string>
            {
                ["Security__DiagnosticsNetworks__0"] = "127.0.0.1/32",
            });
            await using var prometheus = await PrometheusProcess.StartAsync([$"127.0.0.1:{node.Port}"],
                [Path.Combine(NginxProcess.RepositoryRoot(), "deploy", "prometheus", "alerts.yml")]);
            using var http = new HttpClient { BaseAddress = node.BaseAddress };
            http.DefaultRequestHeaders.Authorization = new("Bearer", LivePollServer.EditorKey);

            // A poll with a reader (a hub call, a connection, an open poll followed), votes (one refused), an article.
            var poll = await http.CreateYesNoPollAsync("Metrics?");
            var reader = new HubConnectionBuilder().WithUrl(new Uri(node.BaseAddress, HubPaths.Live))
                .AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack).Build();
            await reader.StartAsync().DefaultTimeout();
            await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, poll.PollId).DefaultTimeout();
            for (var i = 0; i < 10; i++)
            {
                using var answer = await http.VoteAsync(poll.PollId, (await http.NewVoterTokenAsync()).Token, "1").DefaultTimeout();
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }
            // An option the poll does not have: answered UnknownOption, a refused vote.
            using (var refused = await http.VoteAsync(poll.PollId, (await http.NewVoterTokenAsync()).Token, "9").DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            }
            using (var article = await http.PostAsJsonAsync("/api/newsroom/articles", new ArticleInput { Title = "Scraped", Body = "<p>x</p>" }).DefaultTimeout())
            {
                Assert.Equal(HttpStatusCode.Created, article.StatusCode);
            }

            foreach (var query in AlertRulesTests.DashboardQueries())
            {
                await TimeoutExtensions.WaitUntilAsync(async () => (await prometheus.QueryAsync(query)).Count > 0,
                    $"the dashboard query {query} returns data", TimeSpan.FromSeconds(60));
            }
            // The alert rules evaluate without errors, and nothing fires while all is well.
            Assert.Empty(await prometheus.QueryAsync("ALERTS{alertname=\"LivePollStoreUnavailable\"}"));

            // Redis goes away: the node reports it and the alert fires (after its 10 s).
            await redis.KillAsync();
            await TimeoutExtensions.WaitUntilAsync(async () =>
                (await prometheus.QueryAsync("ALERTS{alertname=\"LivePollStoreUnavailable\",alertstate=\"firing\"}")).Count > 0,
                "LivePollStoreUnavailable fires during the outage", TimeSpan.FromSeconds(60));

            // Redis comes back on its AOF: the node reconnects by itself and the alert resolves.
            restarted = await RedisServerProcess.StartAsync(redis.Port, appendOnly: true, directory: redis.DataDirectory);
            await TimeoutExtensions.WaitUntilAsync(async () =>
                (await prometheus.QueryAsync("ALERTS{alertname=\"LivePollStoreUnavailable\"}")).Count == 0,
                "LivePollStoreUnavailable resolves once Redis is back", TimeSpan.FromSeconds(60));
            await reader.DisposeAsync();
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
            await redis.DisposeAsync();
        }
    }
}
