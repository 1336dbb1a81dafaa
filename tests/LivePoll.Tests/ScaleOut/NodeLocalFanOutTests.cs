using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LivePoll.Tests.ScaleOut;

/// <summary>
/// Three node processes on one real redis-server, votes arriving on all three and readers on each: every node sends
/// its own readers at most one snapshot per interval, however many nodes take votes, and everyone ends on the final
/// count; blind readers never see counts before the poll shows them; newsroom connections see hidden counts.
/// </summary>
public sealed class NodeLocalFanOutTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    /// <summary>
    /// 10 snapshots a second at the default 100 ms interval, counted over any 3 s (arrival times, so a pause in this busy
    /// test process can bunch snapshots sent on time: one such pause once put 13 into one second) with slack for timer
    /// jitter and the close. A node sending for every vote, or every node sending, would be far above it.
    /// </summary>
    private const int WindowSeconds = 3, MaxSnapshotsPerWindow = 10 * WindowSeconds + 4;

    [Fact]
    public async Task Votes_on_three_nodes_reach_readers_on_each_at_most_ten_times_a_second_and_end_on_the_final_count()
    {
        var prefix = TestPrefix.New();
        var nodes = new List<NodeProcess>();
        var connections = new List<HubConnection>();
        try
        {
            foreach (var name in new[] { "node-a", "node-b", "node-c" })
            {
                nodes.Add(await NodeProcess.StartAsync(name, store.Configuration, prefix));
            }
            using var http = Client(nodes[0]);
            var open = await CreatePollAsync(http, ResultVisibility.Always);
            var hidden = await CreatePollAsync(http, ResultVisibility.AfterClose);

            // On every node: readers of the open poll, blind readers of the hidden one, and a wall screen on both.
            var readers = new List<(string Node, Recorder Snapshots)>();
            var blind = new List<(string Node, Recorder Snapshots)>();
            var screens = new List<(string Node, Recorder Open, Recorder Hidden)>();
            foreach (var node in nodes)
            {
                for (var i = 0; i < 4; i++)
                {
                    var reader = await ConnectAsync(node, apiKey: null, connections);
                    var snapshots = new Recorder(reader, open.PollId);
                    snapshots.Answer(await reader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, open.PollId).DefaultTimeout());
                    readers.Add((node.Name, snapshots));

                    var blindReader = await ConnectAsync(node, apiKey: null, connections);
                    var blindSnapshots = new Recorder(blindReader, hidden.PollId);
                    blindSnapshots.Answer(await blindReader.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, hidden.PollId).DefaultTimeout());
                    blind.Add((node.Name, blindSnapshots));
                }
                var screen = await ConnectAsync(node, LivePollServer.ScreenKey, connections);
                var screenOpen = new Recorder(screen, open.PollId);
                var screenHidden = new Recorder(screen, hidden.PollId);
                screenOpen.Answer(await screen.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, open.PollId).DefaultTimeout());
                screenHidden.Answer(await screen.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, hidden.PollId).DefaultTimeout());
                screens.Add((node.Name, screenOpen, screenHidden));
            }

            // Three seconds of votes on all three nodes at once, over the hub as a load tool sends them.
            var voteConnections = new List<HubConnection>();
            foreach (var node in nodes)
            {
                voteConnections.Add(await ConnectAsync(node, LivePollServer.EditorKey, connections));
            }
            var tokens = await Task.WhenAll(Enumerable.Range(0, 1_200).Select(_ => NewVoterAsync(http)));
            var accepted = new long[2];
            var clock = Stopwatch.StartNew();
            await Parallel.ForAsync(0, tokens.Length, new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, _) =>
            {
                // Paced: about 400 votes a second for three seconds.
                var due = TimeSpan.FromMilliseconds(i * 2.5);
                if (clock.Elapsed < due)
                {
                    await Task.Delay(due - clock.Elapsed);
                }
                var poll = i % 2 == 0 ? open : hidden;
                var result = await voteConnections[i % voteConnections.Count].VoteHubAsync(poll.PollId, tokens[i], (i / 2 % 2 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(VoteOutcome.Accepted, result.Outcome);
                Interlocked.Increment(ref accepted[i % 2]);
            });

            // Everyone ends on the final counts: readers and screens of the open poll, screens of the hidden one.
            var finalOpen = await ReadAsync(http, open.PollId);
            var finalHidden = await ReadAsync(http, hidden.PollId);
            Assert.Equal(accepted[0], finalOpen.TotalVoters);
            Assert.Equal(accepted[1], finalHidden.TotalVoters);
            foreach (var (node, snapshots) in readers.Concat(screens.Select(s => (s.Node, s.Open))))
            {
                await snapshots.WaitForAsync(s => s.Version == finalOpen.Version && s.TotalVoters == finalOpen.TotalVoters,
                    $"a follower of the open poll on {node} ends on the final count");
            }
            foreach (var (node, _, snapshots) in screens)
            {
                await snapshots.WaitForAsync(s => s.Version == finalHidden.Version && s.TotalVoters == finalHidden.TotalVoters,
                    $"the screen on {node} sees the hidden poll's final count");
            }

            // Then the hidden poll closes: its blind readers get the close, with the counts it now shows everyone.
            using (var closed = await http.PostAsync($"/api/newsroom/polls/{hidden.PollId}/close", null).DefaultTimeout())
            {
                closed.EnsureSuccessStatusCode();
            }
            var closedHidden = await ReadAsync(http, hidden.PollId);
            foreach (var (node, snapshots) in blind)
            {
                await snapshots.WaitForAsync(s => s.State == PollState.Closed && s.TotalVoters == closedHidden.TotalVoters,
                    $"a blind reader on {node} gets the close with the counts");
                Assert.All(snapshots.All.Where(s => s.State == PollState.Open),
                    s => Assert.True(s.TotalVoters is null && s.Options.All(o => o.Count is null), $"a blind reader on {node} saw counts while the poll hid them"));
                Assert.True(snapshots.Events.Count == 1, $"a blind reader on {node} got {snapshots.Events.Count} snapshots pushed: only the close was due");
            }

            // At most one snapshot per interval on every node, though all three nodes took votes.
            foreach (var (node, snapshots) in readers.Concat(screens.Select(s => (s.Node, s.Open))).Concat(screens.Select(s => (s.Node, s.Hidden))))
            {
                var busiest = snapshots.Busiest(WindowSeconds);
                Assert.True(busiest <= MaxSnapshotsPerWindow, $"a follower on {node} got {busiest} snapshots in {WindowSeconds} s (at most {MaxSnapshotsPerWindow})");
                Assert.True(snapshots.VersionsRise(), $"a follower on {node} got a snapshot older than one before it");
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static HttpClient Client(NodeProcess node)
    {
        var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LivePollServer.EditorKey);
        return http;
    }

    private static async Task<PollSnapshot> CreatePollAsync(HttpClient http, ResultVisibility visibility)
    {
        using var created = await http.PostAsJsonAsync("/api/newsroom/polls", new CreatePollRequest
        {
            Question = $"Three nodes, {visibility}?",
            Options = [new CreatePollOption { Text = "Yes" }, new CreatePollOption { Text = "No" }],
            ResultVisibility = visibility,
        }, PollTestKit.Json).DefaultTimeout();
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<PollSnapshot>(PollTestKit.Json))!;
    }

    private static async Task<PollSnapshot> ReadAsync(HttpClient http, string pollId) =>
        (await http.GetFromJsonAsync<PollSnapshot>($"/api/newsroom/polls/{pollId}", PollTestKit.Json).DefaultTimeout())!;

    private static async Task<string> NewVoterAsync(HttpClient http)
    {
        using var token = await http.PostAsync("/api/voters", null).DefaultTimeout();
        token.EnsureSuccessStatusCode();
        return (await token.Content.ReadFromJsonAsync<VoterToken>(PollTestKit.Json))!.Token;
    }

    private static async Task<HubConnection> ConnectAsync(NodeProcess node, string? apiKey, List<HubConnection> all)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node.BaseAddress, HubPaths.Live), HttpTransportType.WebSockets, o =>
            {
                o.SkipNegotiation = true;
                o.AccessTokenProvider = apiKey is null ? null : () => Task.FromResult<string?>(apiKey);
            })
            .AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack)
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Critical))
            .Build();
        all.Add(connection);
        await connection.StartAsync().DefaultTimeout();
        return connection;
    }

    /// <summary>The snapshots of one poll a connection received: the subscription's answer, and the pushed ones with when each arrived.</summary>
    private sealed class Recorder
    {
        private readonly List<(PollSnapshot Snapshot, long At)> _events = [];
        private PollSnapshot? _answer;

        public Recorder(HubConnection connection, string pollId) =>
            connection.On<PollSnapshot>(ClientEvents.PollSnapshot, snapshot =>
            {
                if (snapshot.PollId == pollId)
                {
                    lock (_events)
                    {
                        _events.Add((snapshot, Stopwatch.GetTimestamp()));
                    }
                }
            });

        /// <summary>Every snapshot: the answer and the pushed ones.</summary>
        public IReadOnlyList<PollSnapshot> All
        {
            get
            {
                lock (_events)
                {
                    return [.. _answer is null ? [] : new[] { _answer }, .. _events.Select(e => e.Snapshot)];
                }
            }
        }

        public IReadOnlyList<PollSnapshot> Events
        {
            get
            {
                lock (_events)
                {
                    return _events.Select(e => e.Snapshot).ToList();
                }
            }
        }

        public void Answer(PollSnapshot snapshot)
        {
            lock (_events)
            {
                _answer = snapshot;
            }
        }

        public Task WaitForAsync(Func<PollSnapshot, bool> condition, string what) =>
            TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(All.Any(condition)), what);

        /// <summary>The most pushed snapshots that arrived within any <paramref name="seconds"/> seconds.</summary>
        public int Busiest(int seconds)
        {
            long[] times;
            lock (_events)
            {
                times = _events.Select(e => e.At).ToArray();
            }
            var busiest = 0;
            for (int first = 0, last = 0; last < times.Length; last++)
            {
                while (times[last] - times[first] >= Stopwatch.Frequency * seconds)
                {
                    first++;
                }
                busiest = Math.Max(busiest, last - first + 1);
            }
            return busiest;
        }

        /// <summary>Whether every pushed snapshot is newer than the one pushed before it.</summary>
        public bool VersionsRise()
        {
            var versions = Events.Select(s => s.Version).ToList();
            return versions.Zip(versions.Skip(1)).All(pair => pair.First < pair.Second);
        }
    }
}
