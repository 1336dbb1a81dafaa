using System.Security.Cryptography;
using System.Text;
using LivePoll.Contracts;

namespace LivePoll.Tests.Tally;

/// <summary>
/// The tally log's Merkle tree against RFC 9162 §2.1 written out naively here (MTH, PATH and PROOF as the RFC defines
/// them, by recursion over slices), and every proof checked by the verification algorithms the verifier and the reader
/// page use, for every leaf and every pair of sizes up to 33.
/// </summary>
public sealed class MerkleTreeTests
{
    private static readonly byte[][] Leaves = Enumerable.Range(0, 33).Select(i => Encoding.UTF8.GetBytes($"leaf {i}")).ToArray();
    private static readonly List<byte[]> Hashes = Leaves.Select(l => MerkleTree.LeafHash(l)).ToList();

    private static byte[] Mth(ArraySegment<byte[]> d) => d.Count switch
    {
        0 => SHA256.HashData([]),
        1 => SHA256.HashData([0, .. d[0]]),
        _ => SHA256.HashData([1, .. Mth(d[..K(d.Count)]), .. Mth(d[K(d.Count)..])]),
    };

    private static int K(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }
        return k;
    }

    [Fact]
    public void The_root_is_the_RFC_definition_for_every_size()
    {
        for (var n = 0; n <= Leaves.Length; n++)
        {
            Assert.Equal(Mth(Leaves[..n]), MerkleTree.Root(Hashes, n));
        }
        // The empty tree's root is the hash of nothing; one leaf's is its leaf hash.
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(MerkleTree.Root(Hashes, 0)));
    }

    [Fact]
    public void Every_inclusion_proof_verifies_and_a_changed_one_does_not()
    {
        for (var n = 1; n <= Leaves.Length; n++)
        {
            var root = MerkleTree.Root(Hashes, n);
            for (var m = 0; m < n; m++)
            {
                var path = MerkleTree.InclusionProof(Hashes, m, n);
                Assert.True(MerkleTree.VerifyInclusion(Hashes[m], m, n, path, root), $"leaf {m} of {n}");
                // Another leaf, another index, a changed path or a wrong size must all fail.
                Assert.False(MerkleTree.VerifyInclusion(MerkleTree.LeafHash("forged"u8), m, n, path, root));
                if (n > 1)
                {
                    Assert.False(MerkleTree.VerifyInclusion(Hashes[m], (m + 1) % n, n, path, root), $"leaf {m} of {n} at another index");
                    var changed = path.Select(p => p.ToArray()).ToList();
                    changed[^1][0] ^= 1;
                    Assert.False(MerkleTree.VerifyInclusion(Hashes[m], m, n, changed, root));
                }
            }
        }
    }

    [Fact]
    public void A_nodes_view_folds_each_new_leaf_into_its_right_edge_and_gives_the_RFC_root_at_every_size()
    {
        var view = new LivePoll.Server.Tally.TallyLog.Leaves();
        Assert.Equal(MerkleTree.Root(Hashes, 0), view.Root());
        for (var n = 1; n <= Leaves.Length; n++)
        {
            view.AddHash(Hashes[n - 1]);
            Assert.Equal(MerkleTree.Root(Hashes, n), view.Root());
        }
    }

    [Fact]
    public void Paths_from_the_levels_built_bottom_up_are_the_RFC_paths_and_the_top_level_is_the_root()
    {
        for (var n = 1; n <= Leaves.Length; n++)
        {
            var levels = MerkleTree.Levels(Hashes, n);
            Assert.Equal(MerkleTree.Root(Hashes, n), Assert.Single(levels[^1]));
            for (var m = 0; m < n; m++)
            {
                Assert.Equal(MerkleTree.InclusionProof(Hashes, m, n), MerkleTree.InclusionProof(levels, m));
            }
        }
    }

    [Fact]
    public void Every_consistency_proof_verifies_and_one_between_forked_trees_does_not()
    {
        var forked = Hashes.ToList();
        forked[2] = MerkleTree.LeafHash("a different third leaf"u8);
        for (var n = 1; n <= Leaves.Length; n++)
        {
            for (var m = 1; m <= n; m++)
            {
                var proof = MerkleTree.ConsistencyProof(Hashes, m, n);
                Assert.True(MerkleTree.VerifyConsistency(m, n, MerkleTree.Root(Hashes, m), MerkleTree.Root(Hashes, n), proof), $"{m} → {n}");
                if (m > 2 && m < n)
                {
                    // The same later tree, but a first tree whose third leaf differs: not a prefix.
                    Assert.False(MerkleTree.VerifyConsistency(m, n, MerkleTree.Root(forked, m), MerkleTree.Root(Hashes, n), proof), $"forked {m} → {n}");
                }
            }
        }
    }
}
