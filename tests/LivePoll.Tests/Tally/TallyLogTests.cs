using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using LivePoll.Server.Tally;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using LivePoll.Verify;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace LivePoll.Tests.Tally;

/// <summary>
/// A poll's tally log on a real redis-server and on Garnet (the embedded store runs the same scripts): receipts lead to inclusion proofs, changed votes are leaves, the public
/// verifier passes on an honest log and names each kind of tampering, and nothing in the log's answers names a voter.
/// </summary>
public abstract class TallyLogTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?>
    {
        ["Tally:AppendIntervalMs"] = "100",
        ["Tally:HeadIntervalMs"] = "200",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IDatabase Db => _server.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    private RedisKeys Keys => _server.Services.GetRequiredService<RedisKeys>();

    private sealed record Cast(string Token, string VoterId, VoteResult Result);

    /// <summary>A closed poll of <paramref name="voters"/> votes (every third voter changes their mind once) with its final head signed.</summary>
    private async Task<(PollSnapshot Poll, List<Cast> Casts)> ClosedPollAsync(int voters)
    {
        var poll = await _server.CreatePollAsync(options: 3, allowChange: true);
        var casts = new List<Cast>();
        for (var i = 0; i < voters; i++)
        {
            var voter = await _server.LoadTool.NewVoterTokenAsync();
            var (status, _, result) = await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, voter.Token, poll.Options[i % 3].Id);
            Assert.Equal(200, status);
            casts.Add(new Cast(voter.Token, voter.VoterId, result!));
            if (i % 3 == 0)
            {
                var (changedStatus, _, changed) = await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, voter.Token, poll.Options[(i + 1) % 3].Id);
                Assert.Equal(200, changedStatus);
                Assert.Equal(VoteOutcome.Changed, changed!.Outcome);
                casts.Add(new Cast(voter.Token, voter.VoterId, changed));
            }
        }
        (await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null).DefaultTimeout()).EnsureSuccessStatusCode();
        await TimeoutExtensions.WaitUntilAsync(async () => await NewestHeadAsync(poll.PollId) is { Final: true }, "the final head is signed");
        return (poll, casts);
    }

    private async Task<TallyHead?> NewestHeadAsync(string pollId)
    {
        using var response = await _server.Anonymous.GetAsync($"/api/polls/{pollId}/log").DefaultTimeout();
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<TallyHead>() : null;
    }

    private async Task<Verdict> VerifyAsync(string pollId) =>
        await new TallyVerifier(_server.Anonymous, new StringWriter()).VerifyAsync(pollId).DefaultTimeout();

    [Fact]
    public async Task Every_receipt_has_an_inclusion_proof_a_changed_vote_is_a_leaf_and_the_verifier_passes()
    {
        var (poll, casts) = await ClosedPollAsync(voters: 30);

        var final = (await NewestHeadAsync(poll.PollId))!;
        Assert.Equal(40, final.Size);   // 30 first answers and 10 changes
        Assert.Equal(30, final.Voters);
        var shown = await _server.GetPollAsync(poll.PollId);
        Assert.All(shown.Options, o => Assert.Equal(o.Count, final.Counts[o.Id]));

        var keys = (await _server.Anonymous.GetFromJsonAsync<List<TallyKey>>("/.well-known/livepoll-tally-keys"))!;
        foreach (var cast in casts)
        {
            Assert.NotNull(cast.Result.Receipt);
            var proof = (await _server.Anonymous.GetFromJsonAsync<TallyInclusionProof>($"/api/polls/{poll.PollId}/log/proof/{cast.Result.Receipt}"))!;
            Assert.True(MerkleTree.VerifyInclusion(MerkleTree.LeafHash(System.Text.Encoding.UTF8.GetBytes(proof.Leaf)), proof.Index, proof.Head.Size,
                proof.Path.Select(Convert.FromHexString).ToList(), Convert.FromHexString(proof.Head.Root)), $"receipt {cast.Result.Receipt}");
            var leaf = JsonSerializer.Deserialize<TallyLeaf>(proof.Leaf)!;
            Assert.Equal(cast.Result.Choices!.Single(), Assert.Single(leaf.Add).Key);
            if (cast.Result.Outcome == VoteOutcome.Changed)
            {
                Assert.Equal(TallyLeaf.Change, leaf.Kind);
                Assert.Equal(cast.Result.PreviousChoices!.Single(), Assert.Single(leaf.Remove).Key);
            }
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(keys.Single(k => k.KeyId == proof.Head.KeyId).Spki), out _);
            Assert.True(key.VerifyData(TallyHeads.SignedBytes(proof.Head), Convert.FromBase64String(proof.Head.Signature), HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }

        var report = new StringWriter();
        var verdict = await new TallyVerifier(_server.Anonymous, report).VerifyAsync(poll.PollId).DefaultTimeout();
        Assert.True(verdict.Passed, verdict.Summary);
        Assert.Contains("the poll's page shows the same 3 counts and 30 voters", report.ToString());

        // How long votes waited for a signed head is measured.
        var metrics = await _server.Http.GetStringAsync("/metrics");
        Assert.Matches(@"livepoll_tally_inclusion_delay\w*_count(\{[^}]*\})? [1-9]", metrics);
    }

    [Fact]
    public async Task An_already_voted_or_held_answer_carries_no_receipt_and_a_malformed_or_unknown_receipt_is_refused_clearly()
    {
        var poll = await _server.CreatePollAsync();
        var voter = await _server.LoadTool.NewVoterTokenAsync();
        var (_, _, first) = await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, voter.Token, poll.Options[0].Id);
        var (_, again, repeated) = await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, voter.Token, poll.Options[0].Id);
        Assert.NotNull(first!.Receipt);
        Assert.Equal(VoteOutcome.AlreadyVoted, again);
        Assert.Null(repeated?.Receipt);

        using var malformed = await _server.Anonymous.GetAsync($"/api/polls/{poll.PollId}/log/proof/not-a-receipt");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("16 characters", await malformed.Content.ReadAsStringAsync());
        using var unknown = await _server.Anonymous.GetAsync($"/api/polls/{poll.PollId}/log/proof/AAAAAAAAAAAAAAAA");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("try again shortly", await unknown.Content.ReadAsStringAsync());
        using var outOfRange = await _server.Anonymous.GetAsync($"/api/polls/{poll.PollId}/log/consistency?from=5&to=2");
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
    }

    [Fact]
    public async Task A_poll_that_hides_its_counts_hides_its_log_until_they_show()
    {
        var poll = await _server.CreatePollAsync(visibility: ResultVisibility.AfterClose);
        var voter = await _server.LoadTool.NewVoterTokenAsync();
        await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, voter.Token, poll.Options[0].Id);
        using var hidden = await _server.Anonymous.GetAsync($"/api/polls/{poll.PollId}/log/leaves");
        Assert.Equal(HttpStatusCode.Forbidden, hidden.StatusCode);
        Assert.Contains("AfterClose", await hidden.Content.ReadAsStringAsync());

        (await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null)).EnsureSuccessStatusCode();
        await TimeoutExtensions.WaitUntilAsync(async () => await NewestHeadAsync(poll.PollId) is { Final: true, Size: 1 }, "the final head is signed and shown");
    }

    [Fact]
    public async Task Leaves_a_crash_left_past_the_cursor_are_dropped_and_written_again()
    {
        var poll = await _server.CreatePollAsync();
        var first = await _server.LoadTool.NewVoterTokenAsync();
        await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, first.Token, poll.Options[0].Id);
        await TimeoutExtensions.WaitUntilAsync(async () => await NewestHeadAsync(poll.PollId) is { Size: 1 }, "the first head");

        // What the embedded store can keep of an append it replayed in part after kill -9: leaves without the cursor's move.
        await Db.ListRightPushAsync(Keys.PollLogLeaves(poll.PollId), ["{\"torn\":1}", "{\"torn\":2}"]);
        var second = await _server.LoadTool.NewVoterTokenAsync();
        var (_, _, result) = await _server.VoteHttpAsync(_server.LoadTool, poll.PollId, second.Token, poll.Options[1].Id);
        (await _server.Http.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null)).EnsureSuccessStatusCode();
        await TimeoutExtensions.WaitUntilAsync(async () => await NewestHeadAsync(poll.PollId) is { Final: true }, "the final head");

        var leaves = (await Db.ListRangeAsync(Keys.PollLogLeaves(poll.PollId))).Select(l => l.ToString()).ToList();
        Assert.Equal(2, leaves.Count);
        Assert.Contains(result!.Receipt!, leaves[1]);
        var verdict = await VerifyAsync(poll.PollId);
        Assert.True(verdict.Passed, verdict.Summary);
    }

    [Fact]
    public async Task The_demo_polls_seeded_counts_are_a_seed_leaf_and_its_log_verifies()
    {
        // The demo poll is seeded on the embedded store only.
        await using var embedded = await LivePollServer.StartAsync("", new Dictionary<string, string?>
        {
            ["Tally:AppendIntervalMs"] = "100",
            ["Tally:HeadIntervalMs"] = "200",
        });
        var polls = (await embedded.Http.GetFromJsonAsync<List<PollSnapshot>>("/api/newsroom/polls", PollTestKit.Json))!;
        var demo = polls.Single(p => p.TotalVoters == 347 + 2184 + 73);
        var voter = await embedded.LoadTool.NewVoterTokenAsync();
        await embedded.VoteHttpAsync(embedded.LoadTool, demo.PollId, voter.Token, demo.Options[0].Id);
        (await embedded.Http.PostAsync($"/api/newsroom/polls/{demo.PollId}/close", null)).EnsureSuccessStatusCode();
        await TimeoutExtensions.WaitUntilAsync(async () =>
        {
            using var head = await embedded.Anonymous.GetAsync($"/api/polls/{demo.PollId}/log");
            return head.IsSuccessStatusCode && (await head.Content.ReadFromJsonAsync<TallyHead>())!.Final;
        }, "the final head");

        var page = (await embedded.Anonymous.GetFromJsonAsync<TallyLeavesPage>($"/api/polls/{demo.PollId}/log/leaves"))!;
        var leaves = page.Leaves.Select(l => JsonSerializer.Deserialize<TallyLeaf>(l)!).ToList();
        Assert.Equal((TallyLeaf.Recount, "seed", 2604L), (leaves[0].Kind, leaves[0].Reason, leaves[0].Voters!.Value));
        Assert.Equal(TallyLeaf.Vote, leaves[1].Kind);
        var verdict = await new TallyVerifier(embedded.Anonymous, new StringWriter()).VerifyAsync(demo.PollId).DefaultTimeout();
        Assert.True(verdict.Passed, verdict.Summary);
    }

    public static TheoryData<string> Tamperings() => ["leaf changed", "leaf removed", "counts changed without a leaf", "head re-signed with another key", "heads that fork"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task The_verifier_names_each_kind_of_tampering(string tampering)
    {
        var (poll, _) = await ClosedPollAsync(voters: 12);
        var before = await VerifyAsync(poll.PollId);
        Assert.True(before.Passed, before.Summary);
        var leavesKey = Keys.PollLogLeaves(poll.PollId);
        var headsKey = Keys.PollLogHeads(poll.PollId);
        var newest = (await NewestHeadAsync(poll.PollId))!;
        string expected;
        switch (tampering)
        {
            case "leaf changed":
                var leaf = JsonSerializer.Deserialize<TallyLeaf>((await Db.ListGetByIndexAsync(leavesKey, 3)).ToString())!;
                var otherOption = poll.Options.First(o => !leaf.Add.ContainsKey(o.Id)).Id;
                await Db.ListSetByIndexAsync(leavesKey, 3, JsonSerializer.Serialize(leaf with { Add = new Dictionary<string, long> { [otherOption] = 1 } }));
                expected = "a leaf was changed, removed or inserted";
                break;
            case "leaf removed":
                await Db.ListSetByIndexAsync(leavesKey, 5, "removed");
                await Db.ListRemoveAsync(leavesKey, "removed");
                expected = "leaves";
                break;
            case "counts changed without a leaf":
                await Db.HashIncrementAsync(Keys.PollCounts(poll.PollId), poll.Options[1].Id, 5);
                expected = $"the poll shows";
                break;
            case "head re-signed with another key":
                using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    var forged = newest with { Counts = newest.Counts.ToDictionary(c => c.Key, c => c.Value + 1) };
                    forged = forged with { Signature = Convert.ToBase64String(other.SignData(TallyHeads.SignedBytes(forged), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)) };
                    await Db.ListSetByIndexAsync(headsKey, -1, JsonSerializer.Serialize(forged));
                }
                expected = "signature does not verify";
                break;
            case "heads that fork":
                // A head of the same size over a different history, signed with the newsroom's own key.
                var signer = _server.Services.GetRequiredService<TallySigner>();
                var fork = await signer.SignAsync(newest with { Root = Convert.ToHexStringLower(SHA256.HashData("another history"u8)), Final = false });
                await Db.ListRightPushAsync(headsKey, JsonSerializer.Serialize(fork));
                expected = "forked";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tampering));
        }

        var after = await VerifyAsync(poll.PollId);
        Assert.Equal(TallyVerifier.Discrepancy, after.ExitCode);
        Assert.Contains(expected, after.Summary);
    }

    [Fact]
    public async Task No_answer_of_the_log_names_a_voter_token_or_network()
    {
        var (poll, casts) = await ClosedPollAsync(voters: 9);
        var secrets = casts.SelectMany(c => new[] { c.Token, c.VoterId }).ToHashSet();
        foreach (var record in await Db.ListRangeAsync(Keys.PollAudit(poll.PollId)))
        {
            // The audit record's origin: the network's keyed hash and the transport ("3f2a…|http").
            secrets.Add(record.ToString().Split(' ')[4].Split('|')[0]);
        }
        Assert.DoesNotContain("", secrets);

        var answers = new List<string>
        {
            await _server.Anonymous.GetStringAsync($"/api/polls/{poll.PollId}/log"),
            await _server.Anonymous.GetStringAsync($"/api/polls/{poll.PollId}/log/heads"),
            await _server.Anonymous.GetStringAsync($"/api/polls/{poll.PollId}/log/leaves"),
            await _server.Anonymous.GetStringAsync($"/api/polls/{poll.PollId}/log/consistency?from=3&to=12"),
            await _server.Anonymous.GetStringAsync("/.well-known/livepoll-tally-keys"),
        };
        foreach (var cast in casts)
        {
            answers.Add(await _server.Anonymous.GetStringAsync($"/api/polls/{poll.PollId}/log/proof/{cast.Result.Receipt}"));
        }
        foreach (var answer in answers)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, answer);
            }
        }
    }
}

public sealed class TallyLogTestsOnRedis(RedisStoreFixture store) : TallyLogTests<RedisStoreFixture>(store);

public sealed class TallyLogTestsOnGarnet(GarnetStoreFixture store) : TallyLogTests<GarnetStoreFixture>(store);
