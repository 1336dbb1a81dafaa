using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Polls;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using LivePoll.Verify;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace LivePoll.Tests.Tally;

/// <summary>
/// 10,000 votes through two node processes on one redis-server; then the node writing the poll's log is killed (SIGKILL)
/// and the poll is closed through the other, which takes the log over when the lease runs out. Every acknowledged
/// answer's receipt is a leaf, inclusion proofs hold, every pair of kept heads is consistent, and the public verifier,
/// run as its own process, passes.
/// </summary>
public sealed class TallyAcrossNodesTests(RedisStoreFixture store, ITestOutputHelper output) : IClassFixture<RedisStoreFixture>
{
    private const int Votes = 10_000;

    [Fact]
    public async Task Ten_thousand_votes_through_two_nodes_and_a_killed_log_writer_still_verify()
    {
        var prefix = TestPrefix.New();
        var settings = new Dictionary<string, string>
        {
            ["Tally__AppendIntervalMs"] = "100",
            ["Tally__HeadIntervalMs"] = "500",
            ["Tally__LeaseSeconds"] = "3",
        };
        var nodes = new[]
        {
            await NodeProcess.StartAsync("node-a", store.Configuration, prefix, settings: settings),
            await NodeProcess.StartAsync("node-b", store.Configuration, prefix, settings: settings),
        };
        try
        {
            var clients = nodes.Select(n => Client(n.BaseAddress)).ToArray();
            var poll = await clients[0].CreateYesNoPollAsync("Бүгінгі дауыс беру тексеріледі ме?");

            // Fresh voters, half through each node, 32 at a time.
            var receipts = new ConcurrentBag<string>();
            await Parallel.ForAsync(0, Votes, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            {
                var client = clients[i % 2];
                var voter = await client.NewVoterTokenAsync();
                using var vote = await client.VoteAsync(poll.PollId, voter.Token, poll.Options[i % 3 == 0 ? 0 : 1].Id).DefaultTimeout();
                vote.EnsureSuccessStatusCode();
                var result = (await vote.Content.ReadFromJsonAsync<VoteResult>(PollTestKit.Json, ct))!;
                Assert.Equal(VoteOutcome.Accepted, result.Outcome);
                receipts.Add(result.Receipt!);
            });
            Assert.Equal(Votes, receipts.Distinct().Count());

            // Kill whichever node writes the log now; close through the other.
            await using var redis = await ConnectionMultiplexer.ConnectAsync(store.Configuration);
            var lease = new RedisKeys(prefix).PollLogLease(poll.PollId);
            await TimeoutExtensions.WaitUntilAsync(async () => (await redis.GetDatabase().StringGetAsync(lease)).HasValue, "a node holds the log's lease");
            var writer = (await redis.GetDatabase().StringGetAsync(lease)).ToString();
            var killed = Array.FindIndex(nodes, n => n.Name == writer);
            Assert.True(killed >= 0, $"the lease names {writer}");
            await nodes[killed].KillAsync();
            var survivor = clients[1 - killed];
            output.WriteLine($"{writer} held the lease and was killed");
            (await survivor.PostAsync($"/api/newsroom/polls/{poll.PollId}/close", null).DefaultTimeout()).EnsureSuccessStatusCode();
            await TimeoutExtensions.WaitUntilAsync(async () =>
                await survivor.GetFromJsonAsync<TallyHead>($"/api/polls/{poll.PollId}/log") is { Final: true }, "the survivor signs the final head",
                TimeSpan.FromSeconds(60));
            Assert.Equal(nodes[1 - killed].Name, (await redis.GetDatabase().StringGetAsync(lease)).ToString());

            // Every acknowledged receipt is a leaf; the final head covers them all and nothing else.
            var leaves = new List<string>();
            while (true)
            {
                var page = (await survivor.GetFromJsonAsync<TallyLeavesPage>($"/api/polls/{poll.PollId}/log/leaves?start={leaves.Count}"))!;
                leaves.AddRange(page.Leaves);
                if (page.Leaves.Count == 0 || leaves.Count == page.Size)
                {
                    break;
                }
            }
            Assert.Equal(receipts.Order(), leaves.Select(l => JsonSerializer.Deserialize<TallyLeaf>(l)!.Receipt).Order());

            // Inclusion proofs from the API, for a spread of receipts (every receipt is a leaf under the signed root, above).
            foreach (var receipt in receipts.Order(StringComparer.Ordinal).Where((_, i) => i % 100 == 0))
            {
                var proof = (await survivor.GetFromJsonAsync<TallyInclusionProof>($"/api/polls/{poll.PollId}/log/proof/{receipt}"))!;
                Assert.True(MerkleTree.VerifyInclusion(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(proof.Leaf)), proof.Index, proof.Head.Size,
                    proof.Path.Select(Convert.FromHexString).ToList(), Convert.FromHexString(proof.Head.Root)), receipt);
            }

            // Every pair of kept heads is consistent.
            var heads = (await survivor.GetFromJsonAsync<List<TallyHead>>($"/api/polls/{poll.PollId}/log/heads"))!;
            output.WriteLine($"{heads.Count} heads, sizes {string.Join(", ", heads.Select(h => h.Size))}");
            var sizes = heads.Where(h => h.Size > 0).DistinctBy(h => h.Size).ToList();
            foreach (var first in sizes)
            {
                foreach (var second in sizes.Where(h => h.Size > first.Size))
                {
                    var proof = (await survivor.GetFromJsonAsync<TallyConsistencyProof>(
                        $"/api/polls/{poll.PollId}/log/consistency?from={first.Size}&to={second.Size}"))!;
                    Assert.True(MerkleTree.VerifyConsistency(first.Size, second.Size, Convert.FromHexString(first.Root), Convert.FromHexString(second.Root),
                        proof.Proof.Select(Convert.FromHexString).ToList()), $"{first.Size} → {second.Size}");
                }
            }

            // The public verifier, as anyone would run it.
            var verifier = ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "LivePoll.Verify.dll"), survivor.BaseAddress!.ToString(), poll.PollId],
                new Dictionary<string, string>(), AppContext.BaseDirectory);
            await using (verifier)
            {
                await verifier.WaitForExitAsync().DefaultTimeout(TimeSpan.FromSeconds(120));
                output.WriteLine(verifier.Output);
                Assert.True(verifier.ExitCode == TallyVerifier.Verified, verifier.Output);
                Assert.Contains($"{Votes} leaves", verifier.Output);
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static HttpClient Client(Uri node)
    {
        var client = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LivePollServer.EditorKey);
        return client;
    }
}
