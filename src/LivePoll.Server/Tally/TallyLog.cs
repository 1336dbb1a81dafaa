using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Polls;
using LivePoll.Server.Storage;
using StackExchange.Redis;

namespace LivePoll.Server.Tally;

/// <summary>
/// A poll's tally log as the store holds it (leaves, heads, receipts) and this node's view of it: the leaves' hashes and
/// what they sum to, brought up to the store's on every use, from which proofs and heads are made. A leaf is written once
/// and never changed (<see cref="TallyScripts.Append"/>), so the view only ever grows; if the store holds fewer leaves
/// than the view (the store lost data), the view is read again from the start.
/// </summary>
public sealed class TallyLog(IConnectionMultiplexer redis, RedisKeys keys)
{
    private const int Page = 4096;
    private readonly ConcurrentDictionary<string, Leaves> _views = new(StringComparer.Ordinal);

    /// <summary>This node's view of a poll's leaves. Use only inside <see cref="WithLeavesAsync{T}"/>.</summary>
    public sealed class Leaves
    {
        internal readonly SemaphoreSlim Gate = new(1, 1);

        public List<byte[]> Hashes { get; } = [];

        /// <summary>Option id → the leaves' adds minus removes.</summary>
        public Dictionary<string, long> Counts { get; } = new(StringComparer.Ordinal);

        /// <summary>The tree's levels for the newest head this node proved against (size → levels), made once per head.</summary>
        internal (int Size, List<byte[][]> Levels)? Tree { get; set; }

        /// <summary>The audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="size"/> leaves.</summary>
        public List<byte[]> InclusionProof(int index, int size)
        {
            if (Tree is not { } tree || tree.Size != size)
            {
                Tree = tree = (size, MerkleTree.Levels(Hashes, size));
            }
            return MerkleTree.InclusionProof(tree.Levels, index);
        }

        /// <summary>The "vote" leaves: voters counted.</summary>
        public long Voters { get; private set; }

        internal void Add(string text)
        {
            if (TallyLeaves.TryParse(text) is { } leaf)
            {
                Add(text, leaf);
            }
            else
            {
                AddHash(MerkleTree.LeafHash(_sha256, Encoding.UTF8.GetBytes(text)));
            }
        }

        internal void AddHash(byte[] hash)
        {
            // Leaf n completes one perfect subtree for each low bit of n that is 1.
            var node = hash;
            for (var size = Hashes.Count; (size & 1) == 1; size >>= 1)
            {
                node = MerkleTree.NodeHash(_sha256, _frontier[^1], node);
                _frontier.RemoveAt(_frontier.Count - 1);
            }
            _frontier.Add(node);
            Hashes.Add(hash);
        }

        // The roots of the perfect subtrees along the tree's right edge, largest first: the root in log2(n) steps, and a
        // new leaf folds into it in amortised constant time (a head is signed over the whole log every few seconds).
        private readonly List<byte[]> _frontier = [];

        // One SHA-256 for the view's hashing (used alone, under the gate): cheaper than a new one per hash.
        private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        /// <summary>The Merkle root of all the leaves in the view (RFC 9162), from the right edge.</summary>
        public byte[] Root()
        {
            if (_frontier.Count == 0)
            {
                return MerkleTree.Root([], 0);
            }
            var root = _frontier[^1];
            for (var i = _frontier.Count - 2; i >= 0; i--)
            {
                root = MerkleTree.NodeHash(_frontier[i], root);
            }
            return root;
        }

        internal void Add(string text, TallyLeaf leaf)
        {
            AddHash(MerkleTree.LeafHash(_sha256, Encoding.UTF8.GetBytes(text)));
            foreach (var (option, points) in leaf.Add)
            {
                Counts[option] = Counts.GetValueOrDefault(option) + points;
            }
            foreach (var (option, points) in leaf.Remove)
            {
                Counts[option] = Counts.GetValueOrDefault(option) - points;
            }
            Voters += leaf.VoterChange;
        }

        internal void Clear()
        {
            Tree = null;
            _frontier.Clear();
            Hashes.Clear();
            Counts.Clear();
            Voters = 0;
        }
    }

    /// <summary>Brings this node's view of the poll's leaves up to the store's and runs <paramref name="use"/> on it, alone.</summary>
    public async Task<T> WithLeavesAsync<T>(string pollId, Func<Leaves, T> use)
    {
        var view = _views.GetOrAdd(pollId, _ => new Leaves());
        await view.Gate.WaitAsync();
        try
        {
            var db = redis.GetDatabase();
            var key = keys.PollLogLeaves(pollId);
            var size = await db.ListLengthAsync(key);
            if (size < view.Hashes.Count)
            {
                view.Clear();
            }
            while (view.Hashes.Count < size)
            {
                var page = await db.ListRangeAsync(key, view.Hashes.Count, Math.Min(size, view.Hashes.Count + Page) - 1);
                if (page.Length == 0)
                {
                    break;
                }
                foreach (var text in page)
                {
                    view.Add(text.ToString());
                }
            }
            return use(view);
        }
        finally
        {
            view.Gate.Release();
        }
    }

    /// <summary>
    /// Tells this node's view of the leaves that the writer just appended <paramref name="leaves"/> after
    /// <paramref name="sizeBefore"/> leaves, so the view takes them without reading back and parsing what it wrote. A view
    /// of another size (it read leaves a crash left past the cursor, which the append dropped) is read again from the start.
    /// </summary>
    public async Task AppendedAsync(string pollId, long sizeBefore, IReadOnlyList<(string Text, TallyLeaf Leaf)> leaves)
    {
        var view = _views.GetOrAdd(pollId, _ => new Leaves());
        await view.Gate.WaitAsync();
        try
        {
            if (view.Hashes.Count != sizeBefore)
            {
                view.Clear();
                return;
            }
            foreach (var (text, leaf) in leaves)
            {
                view.Add(text, leaf);
            }
        }
        finally
        {
            view.Gate.Release();
        }
    }

    public async Task<long> SizeAsync(string pollId) => await redis.GetDatabase().ListLengthAsync(keys.PollLogLeaves(pollId));

    /// <summary>The leaves' exact texts from <paramref name="start"/>, at most <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<string>> LeavesAsync(string pollId, long start, int count) =>
        (await redis.GetDatabase().ListRangeAsync(keys.PollLogLeaves(pollId), start, start + count - 1)).Select(v => v.ToString()).ToList();

    public async Task<long?> IndexOfReceiptAsync(string pollId, string receipt) =>
        await redis.GetDatabase().HashGetAsync(keys.PollLogReceipts(pollId), receipt) is { IsNull: false } index ? (long)index : null;

    /// <summary>Every signed head of the poll, oldest first.</summary>
    public async Task<IReadOnlyList<TallyHead>> HeadsAsync(string pollId) =>
        (await redis.GetDatabase().ListRangeAsync(keys.PollLogHeads(pollId))).Select(h => JsonSerializer.Deserialize<TallyHead>(h.ToString())!).ToList();

    public async Task<TallyHead?> NewestHeadAsync(string pollId) =>
        await redis.GetDatabase().ListGetByIndexAsync(keys.PollLogHeads(pollId), -1) is { IsNull: false } head
            ? JsonSerializer.Deserialize<TallyHead>(head.ToString()) : null;

    /// <summary>The newest head's size and whether it was final (0, false before the first).</summary>
    public async Task<(long Size, bool Final)> HeadMarkAsync(string pollId) => ParseMark(await redis.GetDatabase().StringGetAsync(keys.PollLogHeadMark(pollId)));

    internal static (long Size, bool Final) ParseMark(RedisValue mark)
    {
        var parts = mark.IsNullOrEmpty ? [] : mark.ToString().Split(' ');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? (size, parts[1] == "1") : (0, false);
    }
}

/// <summary>How a counted audit record becomes a leaf, and how a leaf's text is read back.</summary>
public static class TallyLeaves
{
    /// <summary>
    /// The leaf of a counted record: what it added to and took from each option (a ranking's Borda points: with n options
    /// place p gains n − p; otherwise one per chosen option), the minute, the receipt. Null for a held record (not counted).
    /// </summary>
    public static TallyLeaf? Of(string pollId, AuditRecord record, PollKind kind, int maxChoices, string receipt)
    {
        if (record.Held)
        {
            return null;
        }
        return new TallyLeaf
        {
            Kind = record.Previous.Length == 0 ? TallyLeaf.Vote : TallyLeaf.Change,
            PollId = pollId,
            Add = Points(record.Choices, kind, maxChoices),
            Remove = Points(record.Previous, kind, maxChoices),
            Minute = DateTimeOffset.FromUnixTimeMilliseconds(record.AtMs).ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture),
            Receipt = receipt,
        };
    }

    /// <summary>
    /// The leaf of a recount that left the counts at <paramref name="counts"/> and <paramref name="voters"/>: what it
    /// changed against what the log summed to just before (<paramref name="before"/>, <paramref name="votersBefore"/>).
    /// </summary>
    public static TallyLeaf Recount(string pollId, string reason, IReadOnlyDictionary<string, long> counts, long voters,
        IReadOnlyDictionary<string, long> before, long votersBefore, DateTimeOffset at)
    {
        var add = new Dictionary<string, long>(StringComparer.Ordinal);
        var remove = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var option in counts.Keys.Union(before.Keys).Order(StringComparer.Ordinal))
        {
            var change = counts.GetValueOrDefault(option) - before.GetValueOrDefault(option);
            if (change > 0)
            {
                add[option] = change;
            }
            else if (change < 0)
            {
                remove[option] = -change;
            }
        }
        return new TallyLeaf
        {
            Kind = TallyLeaf.Recount,
            PollId = pollId,
            Add = add,
            Remove = remove,
            Minute = at.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture),
            Receipt = "",
            Voters = voters - votersBefore,
            Reason = reason,
        };
    }

    public static string Text(TallyLeaf leaf) => JsonSerializer.Serialize(leaf, TallyJson.Default.TallyLeaf);

    public static TallyLeaf? TryParse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize(text, TallyJson.Default.TallyLeaf);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Dictionary<string, long> Points(string choices, PollKind kind, int maxChoices)
    {
        var points = new Dictionary<string, long>(StringComparer.Ordinal);
        var place = 0;
        foreach (var option in choices.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            place++;
            points[option] = kind == PollKind.Ranking ? maxChoices - place : 1;
        }
        return points;
    }
}
