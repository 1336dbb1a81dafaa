using System.Numerics;
using System.Security.Cryptography;

namespace LivePoll.Contracts;

/// <summary>
/// The Merkle tree of a poll's tally log, as Certificate Transparency defines it (RFC 9162 §2.1, the same as RFC 6962):
/// a leaf's hash is SHA-256(0x00 ‖ leaf), an inner node's SHA-256(0x01 ‖ left ‖ right), and a tree of n leaves splits at
/// the largest power of two below n. Inclusion and consistency proofs are about log2(n) hashes. The server builds proofs
/// from the leaf hashes; anyone checks them with <see cref="VerifyInclusion"/> and <see cref="VerifyConsistency"/> (the
/// verifier and the reader page's check do exactly these steps).
/// </summary>
public static class MerkleTree
{
    private const byte LeafPrefix = 0;
    private const byte NodePrefix = 1;

    public static byte[] LeafHash(ReadOnlySpan<byte> leaf)
    {
        Span<byte> input = leaf.Length < 512 ? stackalloc byte[leaf.Length + 1] : new byte[leaf.Length + 1];
        input[0] = LeafPrefix;
        leaf.CopyTo(input[1..]);
        return SHA256.HashData(input);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[65];
        input[0] = NodePrefix;
        left.CopyTo(input[1..]);
        right.CopyTo(input[33..]);
        return SHA256.HashData(input);
    }

    /// <summary><see cref="LeafHash(ReadOnlySpan{byte})"/> with a SHA-256 the caller reuses (one per leaf in a row costs less than a new one).</summary>
    public static byte[] LeafHash(IncrementalHash sha256, ReadOnlySpan<byte> leaf)
    {
        sha256.AppendData([LeafPrefix]);
        sha256.AppendData(leaf);
        return sha256.GetHashAndReset();
    }

    /// <summary><see cref="NodeHash(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> with a SHA-256 the caller reuses.</summary>
    public static byte[] NodeHash(IncrementalHash sha256, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        sha256.AppendData([NodePrefix]);
        sha256.AppendData(left);
        sha256.AppendData(right);
        return sha256.GetHashAndReset();
    }

    /// <summary>The root of the first <paramref name="size"/> leaves (SHA-256 of nothing for none).</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes, int size) =>
        size == 0 ? SHA256.HashData([]) : Root(leafHashes, 0, size);

    /// <summary>The audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="size"/> leaves.</summary>
    public static List<byte[]> InclusionProof(IReadOnlyList<byte[]> leafHashes, int index, int size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var path = new List<byte[]>();
        Path(leafHashes, index, 0, size, path);
        return path;
    }

    /// <summary>
    /// Every level of the tree of the first <paramref name="size"/> leaves, leaves first, root last, built bottom-up: a
    /// level's last node without a partner goes up unchanged, which gives RFC 9162's tree (split at the largest power of
    /// two) exactly. Made once per signed head, it answers any number of inclusion proofs in log2(n) steps each.
    /// </summary>
    public static List<byte[][]> Levels(IReadOnlyList<byte[]> leafHashes, int size)
    {
        var levels = new List<byte[][]> { leafHashes.Take(size).ToArray() };
        while (levels[^1].Length > 1)
        {
            var below = levels[^1];
            var level = new byte[(below.Length + 1) / 2][];
            for (var i = 0; i < level.Length; i++)
            {
                level[i] = 2 * i + 1 < below.Length ? NodeHash(below[2 * i], below[2 * i + 1]) : below[2 * i];
            }
            levels.Add(level);
        }
        return levels;
    }

    /// <summary>The audit path of leaf <paramref name="index"/> from a tree's <see cref="Levels"/>: the same path as <see cref="InclusionProof(IReadOnlyList{byte[]}, int, int)"/>.</summary>
    public static List<byte[]> InclusionProof(List<byte[][]> levels, int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, levels[0].Length);
        var path = new List<byte[]>();
        for (var level = 0; level < levels.Count - 1; level++, index /= 2)
        {
            var sibling = index ^ 1;
            if (sibling < levels[level].Length)
            {
                path.Add(levels[level][sibling]);
            }
        }
        return path;
    }

    /// <summary>The proof that the tree of <paramref name="first"/> leaves is a prefix of the tree of <paramref name="second"/>.</summary>
    public static List<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leafHashes, int first, int second)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, second);
        var proof = new List<byte[]>();
        if (first > 0 && first < second)
        {
            SubProof(leafHashes, first, 0, second, true, proof);
        }
        return proof;
    }

    /// <summary>RFC 9162 §2.1.3.2: does <paramref name="path"/> prove leaf <paramref name="index"/> is in the tree with <paramref name="root"/>?</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }
        long fn = index, sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                ClimbToRightChild(ref fn, ref sn);
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>RFC 9162 §2.1.4.2: is the tree of <paramref name="first"/> leaves (<paramref name="firstRoot"/>) a prefix of the one of <paramref name="second"/>?</summary>
    public static bool VerifyConsistency(long first, long second, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot, IReadOnlyList<byte[]> proof)
    {
        if (first < 0 || first > second)
        {
            return false;
        }
        if (first == second)
        {
            return proof.Count == 0 && firstRoot.SequenceEqual(secondRoot);
        }
        if (first == 0)
        {
            // The empty tree is a prefix of every tree.
            return proof.Count == 0;
        }
        if (proof.Count == 0)
        {
            return false;
        }
        var path = new List<byte[]>(proof.Count + 1);
        if (BitOperations.IsPow2(first))
        {
            path.Add(firstRoot.ToArray());
        }
        path.AddRange(proof);
        long fn = first - 1, sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                ClimbToRightChild(ref fn, ref sn);
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(firstRoot) && sr.AsSpan().SequenceEqual(secondRoot);
    }

    /// <summary>RFC 9162's "right-shift fn and sn equally until LSB(fn) is set or fn is 0", shared by both verifications.</summary>
    private static void ClimbToRightChild(ref long fn, ref long sn)
    {
        while ((fn & 1) == 0 && fn != 0)
        {
            fn >>= 1;
            sn >>= 1;
        }
    }

    /// <summary>The largest power of two below <paramref name="n"/> (n ≥ 2): where a tree of n leaves splits.</summary>
    private static int Split(int n) => (int)BitOperations.RoundUpToPowerOf2((uint)n) >> 1;

    private static byte[] Root(IReadOnlyList<byte[]> leafHashes, int lo, int hi)
    {
        if (hi - lo == 1)
        {
            return leafHashes[lo];
        }
        var k = Split(hi - lo);
        return NodeHash(Root(leafHashes, lo, lo + k), Root(leafHashes, lo + k, hi));
    }

    private static void Path(IReadOnlyList<byte[]> leafHashes, int index, int lo, int hi, List<byte[]> path)
    {
        if (hi - lo == 1)
        {
            return;
        }
        var k = Split(hi - lo);
        if (index - lo < k)
        {
            Path(leafHashes, index, lo, lo + k, path);
            path.Add(Root(leafHashes, lo + k, hi));
        }
        else
        {
            Path(leafHashes, index, lo + k, hi, path);
            path.Add(Root(leafHashes, lo, lo + k));
        }
    }

    private static void SubProof(IReadOnlyList<byte[]> leafHashes, int m, int lo, int hi, bool whole, List<byte[]> proof)
    {
        var n = hi - lo;
        if (m == n)
        {
            if (!whole)
            {
                proof.Add(Root(leafHashes, lo, hi));
            }
            return;
        }
        var k = Split(n);
        if (m <= k)
        {
            SubProof(leafHashes, m, lo, lo + k, whole, proof);
            proof.Add(Root(leafHashes, lo + k, hi));
        }
        else
        {
            SubProof(leafHashes, m - k, lo + k, hi, false, proof);
            proof.Add(Root(leafHashes, lo, lo + k));
        }
    }
}
