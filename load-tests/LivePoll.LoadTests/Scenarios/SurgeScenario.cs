using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using LivePoll.LoadTests.Reporting;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>What a surge does: how many readers and voters, how fast, over what.</summary>
public sealed record SurgeOptions
{
    public int Readers { get; init; } = 100;
    public int Voters { get; init; } = 10_000;
    public RateProfile Profile { get; init; } = new(1_000, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5));
    public Transport Transport { get; init; } = Transport.Hub;

    /// <summary>
    /// The share of votes sent over HTTP while the rest go over the hub (a mix, e.g. 0.3 for 30 %); null: every vote
    /// over <see cref="Transport"/>. A poll's n-th vote goes over HTTP when ⌊(n+1)·share⌋ &gt; ⌊n·share⌋, so the mix holds at every moment.
    /// </summary>
    public double? HttpShare { get; init; }

    /// <summary>
    /// Readers arrive over this long from the first vote, evenly, instead of all connecting before it (zero): an audience
    /// gathering while votes climb. A reader is paired with a vote for vote-to-reader only if it held the poll before
    /// the vote was answered.
    /// </summary>
    public TimeSpan ReaderArrival { get; init; }

    /// <summary>
    /// The share of readers on the JSON protocol through the full .NET SignalR client (an app's reader), the rest as the
    /// run's target sets them; null: every reader alike. Spread evenly, as a transport mix is.
    /// </summary>
    public double? JsonReaderShare { get; init; }

    /// <summary>Polls voted in at once (with no <see cref="PollId"/>): vote n goes to poll n mod P, reader i reads poll i mod P.</summary>
    public int Polls { get; init; } = 1;

    /// <summary>Hub connections that carry the votes (each vote names its voter by token).</summary>
    public int VoteConnections { get; init; } = 64;

    /// <summary>Vote in this poll; null: create a 3-option poll (needs an editor key).</summary>
    public string? PollId { get; init; }

    /// <summary>The kind of poll to create (with no <see cref="PollId"/>): each vote answers it as a reader would.</summary>
    public PollKind Kind { get; init; } = PollKind.Choice;

    /// <summary>Votes in flight beyond this are not sent and counted as not sent: the client, not the server, is the limit.</summary>
    public int MaxInFlight { get; init; } = 50_000;

    /// <summary>
    /// Checked every turn of the send loop: a reason to stop sending (a threshold that can no longer hold, see
    /// <c>--abort-on-fail</c>), or null to go on. An aborted run still waits for its answers and gives its verdict.
    /// </summary>
    public Func<RunMeter, string?>? AbortWhen { get; init; }

    /// <summary>Runs just before the verdict reads the counts; tests use it to prove a wrong count fails the run.</summary>
    public Func<string, Task>? BeforeVerdict { get; init; }

    /// <summary>
    /// This process is shard <c>Index</c> (1-based) of <c>Count</c> running one surge together on one poll: the options
    /// hold this shard's share; the report carries what <c>merge</c> needs, and the verdict is the merge's.
    /// </summary>
    public (int Index, int Count)? Shard { get; init; }

    /// <summary>Awaited after setup, before the first vote: how shards start together.</summary>
    public Func<CancellationToken, Task>? WaitToStart { get; init; }

    /// <summary>Told of every answered vote: the voter's token and the outcome (a crash test keeps the acknowledged voters).</summary>
    public Action<string, VoteOutcome>? Answered { get; init; }
}

/// <summary>
/// R readers subscribed to one poll while V voters vote at a target rate (open model) over the hub or HTTP.
/// Measures acknowledgement latency, vote-to-reader latency and snapshots per reader, then checks that the
/// server counted exactly the acknowledged votes.
/// </summary>
public sealed class SurgeScenario(Target target, SurgeOptions options, IProgressSink progress)
{
    private const int AckSamples = 20_000, ReaderSamples = 200;

    public async Task<RunReport> RunAsync(CancellationToken cancellationToken)
    {
        var meter = new RunMeter(options.Profile.Duration);
        var startedAt = DateTime.UtcNow;
        var setup = Stopwatch.StartNew();
        progress.Status(options.Polls > 1 && options.PollId is null ? $"creating {options.Polls} polls and getting voter tokens" : "creating the poll and getting voter tokens");
        var pollIds = new List<string>();
        if (options.PollId is { } given)
        {
            pollIds.Add(given);
        }
        else
        {
            for (var p = 0; p < Math.Max(1, options.Polls); p++)
            {
                pollIds.Add((await target.CreatePollAsync(3, cancellationToken, options.Kind)).PollId);
            }
        }
        var pollId = pollIds[0];
        var polls = pollIds.Count;
        var initials = new PollSnapshot[polls];
        for (var p = 0; p < polls; p++)
        {
            initials[p] = await target.ReadPollAsync(pollIds[p], cancellationToken);
        }
        var initial = initials[0];
        var answers = initials.Select(Answers).ToArray();
        var words = initial.Kind == PollKind.Words;
        var tokens = await target.VoterTokensAsync(options.Voters, cancellationToken);
        var acceptedPerPoll = new long[polls];

        var readers = new IPollReader[options.Readers];
        // Shards interleave their readers and connections over the nodes.
        var (shard, shards) = options.Shard ?? (1, 1);
        using var jsonTarget = options.JsonReaderShare is > 0
            ? new Target(target.Urls, target.ApiKey, Protocol.Json, ReaderClient.Full, target.HubTransport)
            : null;
        Task ConnectReaderAsync(int i, CancellationToken ct) => Task.Run(async () =>
            readers[i] = await IPollReader.StartAsync(JsonReader(i) ? jsonTarget! : target, shard - 1 + i * shards, pollIds[i % polls], meter, ct), ct);
        if (options.ReaderArrival <= TimeSpan.Zero)
        {
            progress.Status($"connecting {options.Readers} readers");
            await Parallel.ForAsync(0, options.Readers, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
                async (i, ct) => await ConnectReaderAsync(i, ct));
        }
        var hubVotes = options.HttpShare is { } httpShare ? httpShare < 1 : options.Transport == Transport.Hub;
        var voteConnections = hubVotes && !target.LightClients
            ? await Task.WhenAll(Enumerable.Range(0, options.VoteConnections).Select(i => target.ConnectAsync(shard - 1 + i * shards, meter, cancellationToken)))
            : [];
        var lightVoteConnections = hubVotes && target.LightClients
            ? await Task.WhenAll(Enumerable.Range(0, options.VoteConnections).Select(i => LightHub.ConnectAsync(target.HubUrl(shard - 1 + i * shards),
                target.ApiKey, meter, (_, _) => { }, _ => Task.CompletedTask, cancellationToken)))
            : [];
        if (options.WaitToStart is not null)
        {
            progress.Status($"shard {shard} of {shards} ready; waiting for the start");
            await options.WaitToStart(cancellationToken);
        }
        var setupSeconds = setup.Elapsed.TotalSeconds;

        progress.Status("voting");
        var acks = new ConcurrentQueue<(int Poll, long Version, long At)>();
        var sampleEvery = Math.Max(1, options.Profile.Total / AckSamples);
        var inFlight = 0L;
        long sent = 0;
        string? aborted = null;
        var clock = Stopwatch.StartNew();
        // Readers arriving during the run: reader i connects at i/R of the arrival time (at most 32 connecting at once).
        var arriving = options.ReaderArrival > TimeSpan.Zero ? Task.Run(async () =>
        {
            using var connecting = new SemaphoreSlim(32);
            var started = new List<Task>(options.Readers);
            for (var i = 0; i < options.Readers && !cancellationToken.IsCancellationRequested; i++)
            {
                var due = options.ReaderArrival * ((double)i / options.Readers) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }
                await connecting.WaitAsync(cancellationToken);
                var index = i;
                started.Add(ConnectReaderAsync(index, cancellationToken).ContinueWith(t =>
                {
                    connecting.Release();
                    if (t.Exception is { } failure)
                    {
                        meter.Error(failure.InnerException ?? failure);
                    }
                }, TaskScheduler.Default));
            }
            await Task.WhenAll(started);
        }, cancellationToken) : Task.CompletedTask;
        meter.StartClock();
        var pending = new ConcurrentDictionary<Task, byte>();
        var cpu = new CpuMeter(target, target.ServerPids);
        Task<CpuSample>? holdStart = null, holdEnd = null;
        using (var ticker = progress.Start(meter, options.Profile.Duration))
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var elapsed = clock.Elapsed;
                // CPU is measured over the hold, when the rate is steady.
                if (holdStart is null && elapsed >= options.Profile.Steady.From)
                {
                    holdStart = cpu.SampleAsync(meter, cancellationToken);
                }
                if (holdEnd is null && elapsed >= options.Profile.Steady.To)
                {
                    holdEnd = cpu.SampleAsync(meter, cancellationToken);
                }
                var due = options.Profile.DueBy(elapsed);
                for (; sent < due; sent++)
                {
                    if (Interlocked.Read(ref inFlight) >= options.MaxInFlight)
                    {
                        Interlocked.Increment(ref meter.NotSent);
                        continue;
                    }
                    var n = sent;
                    // Vote n to poll n mod P, by the (n div P)-th voter: each poll sees the voters in the same order.
                    var poll = (int)(n % polls);
                    var turn = n / polls;
                    var choices = answers[poll][(int)(turn % answers[poll].Length)];
                    var request = new VoteRequest
                    {
                        PollId = pollIds[poll],
                        OptionIds = words ? null : choices,
                        Text = words ? choices[0] : null,
                        VoterToken = tokens[turn % tokens.Length],
                    };
                    Interlocked.Increment(ref inFlight);
                    var task = VoteAsync(request, n, poll, OverHttp(turn), voteConnections, lightVoteConnections, meter, acks, acceptedPerPoll, sampleEvery, cancellationToken)
                        .ContinueWith(_ => Interlocked.Decrement(ref inFlight), TaskScheduler.Default);
                    pending[task] = 0;
                    _ = task.ContinueWith(t => pending.TryRemove(t, out _), TaskScheduler.Default);
                }
                if (elapsed >= options.Profile.Duration)
                {
                    break;
                }
                if (options.AbortWhen?.Invoke(meter) is { } reason)
                {
                    aborted = string.Create(CultureInfo.InvariantCulture, $"at {elapsed.TotalSeconds:0.0} s: {reason}");
                    progress.Status("aborted " + aborted);
                    break;
                }
                // Sleep until about when the next vote is due (at most 50 ms): a slow rate should not wake the tool
                // a thousand times a second.
                await Task.Delay(NextDueIn(options.Profile, elapsed, sent), cancellationToken);
            }
            holdEnd ??= cpu.SampleAsync(meter, cancellationToken);
            await arriving;
            progress.Status("waiting for the last answers");
            await Task.WhenAny(Task.WhenAll(pending.Keys), Task.Delay(TimeSpan.FromSeconds(30), cancellationToken));
            // Give the last coalesced snapshots time to reach every reader.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
        var runSeconds = clock.Elapsed.TotalSeconds;
        // A reader that could not connect (counted as an error) has no place in what follows.
        readers = [.. readers.Where(r => r is not null)];

        // Vote-to-reader: for sampled acknowledgements, when did sampled readers of that poll first hold that version?
        var sampledReaders = Enumerable.Range(0, polls)
            .Select(p => readers.Where((_, i) => i % polls == p).Where((_, i) => i % Math.Max(1, readers.Length / polls / ReaderSamples) == 0).ToArray())
            .ToArray();
        long neverDelivered = 0;
        foreach (var (poll, version, at) in acks)
        {
            foreach (var reader in sampledReaders[poll])
            {
                if (reader.Versions.FirstAt is not { } joined || joined > at)
                {
                    continue; // it arrived after the vote was answered: its first snapshot says nothing of this vote's delivery
                }
                if (reader.Versions.FirstHolding(version) is { } heldAt)
                {
                    meter.VoteReachedReader(at, Math.Max(at, heldAt));
                }
                else
                {
                    neverDelivered++;
                }
            }
        }

        if (options.BeforeVerdict is not null)
        {
            foreach (var id in pollIds)
            {
                await options.BeforeVerdict(id);
            }
        }
        Verdict verdict;
        if (options.Shard is null)
        {
            var counts = new List<(string, long, long)>();
            for (var p = 0; p < polls; p++)
            {
                var final = await target.ReadPollAsync(pollIds[p], cancellationToken);
                counts.Add((pollIds[p], Interlocked.Read(ref acceptedPerPoll[p]), (final.TotalVoters ?? 0) - (initials[p].TotalVoters ?? 0)));
            }
            verdict = Verdicts.Polls(counts, unanswered: meter.Sent - meter.Acknowledged);
        }
        else
        {
            verdict = new Verdict(true, [$"shard {shard} of {shards}: the verdict comes from merging every shard's report (the merge command)"]);
        }
        if (neverDelivered > 0)
        {
            verdict = verdict with { Checks = [.. verdict.Checks, $"{neverDelivered} sampled (vote, reader) pairs never saw the vote's version"] };
        }

        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
        foreach (var connection in voteConnections)
        {
            await connection.DisposeAsync();
        }
        foreach (var connection in lightVoteConnections)
        {
            await connection.DisposeAsync();
        }

        var cpuReport = holdStart is null ? null : (await holdEnd!).Since(await holdStart);
        return new RunReport
        {
            Scenario = "surge",
            Cpu = cpuReport,
            Shard = options.Shard is null ? null : new ShardData(shard, shards, pollId, initial.TotalVoters ?? 0, meter.Sent - meter.Acknowledged,
                new Dictionary<string, string> { ["ack"] = meter.AckLatency.Encode(), ["voteToReader"] = meter.VoteToReader.Encode() }),
            StartedAt = startedAt,
            Settings = new Dictionary<string, string>
            {
                ["targets"] = string.Join(" ", target.Urls),
                ["transport"] = options.HttpShare is { } mix
                    ? string.Create(CultureInfo.InvariantCulture, $"Hub {(1 - mix) * 100:0.#} %, Http {mix * 100:0.#} %")
                    : options.Transport.ToString(),
                ["protocol"] = options.JsonReaderShare is { } json
                    ? string.Create(CultureInfo.InvariantCulture, $"readers {target.Protocol} {(1 - json) * 100:0.#} %, Json (full client) {json * 100:0.#} %")
                    : target.Protocol.ToString(),
                ["hubTransport"] = target.HubTransport.ToString(),
                ["readers"] = options.Readers.ToString(),
                ["voters"] = options.Voters.ToString(),
                ["rate"] = string.Create(CultureInfo.InvariantCulture, $"{options.Profile.PeakRate}/s"),
                ["profile"] = options.Profile.ToString(),
                ["steady"] = string.Create(CultureInfo.InvariantCulture, $"{options.Profile.Steady.From.TotalSeconds}-{options.Profile.Steady.To.TotalSeconds} s"),
                ["poll"] = string.Join(" ", pollIds),
                ["reader arrival"] = string.Create(CultureInfo.InvariantCulture, $"{options.ReaderArrival.TotalSeconds:0.###} s"),
            },
            SetupSeconds = Math.Round(setupSeconds, 2),
            RunSeconds = Math.Round(runSeconds, 2),
            Sent = meter.Sent,
            Acknowledged = meter.Acknowledged,
            Failed = meter.Failed,
            NotSent = meter.NotSent,
            Outcomes = new Dictionary<string, long>(meter.Outcomes),
            AckLatency = meter.AckLatency.Summarize(),
            VoteToReaderLatency = meter.VoteToReader.Summarize(),
            SnapshotsPerReaderPerSecond = readers.Length == 0 ? 0 : Math.Round(meter.Snapshots / (double)readers.Length / runSeconds, 2),
            PeakAcknowledgedPerSecond = meter.Timeline((int)Math.Ceiling(runSeconds)).Select(p => p.Acknowledged).DefaultIfEmpty().Max(),
            HoldAcknowledgedPerSecond = HoldRate(meter, options.Profile),
            Connects = meter.Connects,
            Disconnects = meter.Disconnects,
            Reconnects = meter.Reconnects,
            Errors = meter.Errors,
            ErrorKinds = new Dictionary<string, long>(meter.ErrorKinds),
            Timeline = meter.Timeline((int)Math.Ceiling(runSeconds)),
            Extra = aborted is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["aborted"] = aborted },
            Verdict = verdict,
        };
    }

    /// <summary>Whether reader <paramref name="i"/> is one of the mix's JSON readers.</summary>
    private bool JsonReader(int i) => options.JsonReaderShare is { } share && Math.Floor((i + 1) * share) > Math.Floor(i * share);

    /// <summary>
    /// Whether the <paramref name="n"/>-th vote of a poll goes over HTTP: all, none, or the mix's share spread evenly
    /// (counted per poll, so a mix and several polls do not line up into one poll getting every HTTP vote).
    /// </summary>
    private bool OverHttp(long n) => options.HttpShare is { } share
        ? Math.Floor((n + 1) * share) > Math.Floor(n * share)
        : options.Transport == Transport.Http;

    private async Task VoteAsync(VoteRequest request, long n, int poll, bool overHttp, HubConnection[] connections, ILightHubConnection[] lightConnections,
        RunMeter meter, ConcurrentQueue<(int, long, long)> acks, long[] acceptedPerPoll, long sampleEvery, CancellationToken cancellationToken)
    {
        var started = Latency.Now;
        meter.VoteSent();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            VoteResult result;
            if (!overHttp && lightConnections.Length > 0)
            {
                var answer = LightHub.ReadVote(
                    await lightConnections[n % lightConnections.Length].InvokeAsync(HubMethods.Vote, [request], timeout.Token));
                result = new VoteResult { Outcome = answer.Outcome, PollId = request.PollId!, Version = answer.Version, Message = "" };
            }
            else if (!overHttp)
            {
                result = await connections[n % connections.Length].InvokeAsync<VoteResult>(HubMethods.Vote, request, timeout.Token);
            }
            else
            {
                // A body of known length, as browsers send it (JsonContent would stream it chunked).
                var json = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new VoteRequest { OptionIds = request.OptionIds, Text = request.Text }, Target.Json));
                json.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                using var message = new HttpRequestMessage(HttpMethod.Post, $"/api/polls/{request.PollId}/votes") { Content = json };
                message.Headers.Add("X-Voter-Token", request.VoterToken);
                using var response = await target.Http.SendAsync(message, timeout.Token);
                if ((int)response.StatusCode is 429 or >= 500)
                {
                    throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
                }
                var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Target.Json, timeout.Token);
                result = VoteFromBody(body, request.PollId!);
            }
            var ended = Latency.Now;
            meter.VoteAnswered(result.Outcome.ToString(), started, ended);
            options.Answered?.Invoke(request.VoterToken!, result.Outcome);
            if (result.Outcome == VoteOutcome.Accepted)
            {
                Interlocked.Increment(ref acceptedPerPoll[poll]);
                if (result.Version is { } version && n % sampleEvery == 0)
                {
                    acks.Enqueue((poll, version, ended));
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            meter.VoteFailed(ex);
        }
    }

    private static TimeSpan NextDueIn(RateProfile profile, TimeSpan elapsed, long sent)
    {
        for (var ahead = TimeSpan.FromMilliseconds(1); ahead < TimeSpan.FromMilliseconds(50); ahead += ahead)
        {
            if (profile.DueBy(elapsed + ahead) > sent)
            {
                return ahead;
            }
        }
        return TimeSpan.FromMilliseconds(50);
    }

    private static VoteResult VoteFromBody(System.Text.Json.JsonElement body, string pollId)
    {
        var outcome = Enum.Parse<VoteOutcome>(body.GetProperty("outcome").GetString()!);
        return new VoteResult
        {
            Outcome = outcome,
            PollId = pollId,
            Version = body.TryGetProperty("version", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetInt64() : null,
            Message = "",
        };
    }

    private static double HoldRate(RunMeter meter, RateProfile profile)
    {
        var from = (int)Math.Ceiling(profile.Steady.From.TotalSeconds);
        var to = (int)Math.Floor(profile.Steady.To.TotalSeconds);
        var hold = meter.Timeline(to).Skip(from).ToList();
        return hold.Count == 0 ? 0 : Math.Round(hold.Average(p => p.Acknowledged), 1);
    }

    /// <summary>
    /// The answers votes cycle through, as readers of this poll's kind send them: one option each (a rating's values, a
    /// quiz's options), or for a ranking every option in each of its rotations; for a words poll, twenty entries (sent as text).
    /// </summary>
    internal static string[][] Answers(PollSnapshot poll)
    {
        if (poll.Kind == PollKind.Words)
        {
            return Enumerable.Range(1, 20).Select(i => new[] { $"entry{i}" }).ToArray();
        }
        var ids = poll.Options.Select(o => o.Id).ToArray();
        return poll.Kind == PollKind.Ranking
            ? ids.Select((_, shift) => ids.Skip(shift).Concat(ids.Take(shift)).ToArray()).ToArray()
            : ids.Select(id => new[] { id }).ToArray();
    }
}
