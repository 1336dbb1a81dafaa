using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using LivePoll.Contracts;
using LivePoll.Server.Polls;
using LivePoll.Server.Tally;

/// <summary>
/// What the verifiable tally costs a node per vote, single-threaded (the time of one operation is its CPU): the receipt on
/// the vote's path, and the log writer's work per counted answer (read the audit record, its receipt, its leaf as JSON,
/// the leaf's hash folded into the tree's right edge and its points into the sums), measured over batches of 1,024
/// answers as the writer takes them; and a signed head's root (log2 n from the right edge) for a log of 100,000 leaves.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Short))]
public class TallyBenchmarks
{
    private const int Batch = 1024;
    private readonly byte[] _key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private string[] _records = [];
    private string[] _voters = [];
    private TallyLog.Leaves _large = null!;
    private List<byte[]> _largeHashes = [];

    private sealed class Short : ManualConfig
    {
        public Short() => AddJob(Job.ShortRun);
    }

    [GlobalSetup]
    public void Setup()
    {
        // Audit records as the vote script writes them: "ms voter choices previous origin node flag".
        _records = Enumerable.Range(0, Batch).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"{1796597312872 + i} V{i:D21} {i % 3 + 1}  3f2a9c0d1e7b|hub node-a-4242 c")).ToArray();
        _voters = _records.Select(r => r.Split(' ')[1]).ToArray();
        _large = new TallyLog.Leaves();
        for (var i = 0; i < 100_000; i++)
        {
            _large.AddHash(MerkleTree.LeafHash(BitConverter.GetBytes(i)));
        }
        _largeHashes = _large.Hashes.ToList();
    }

    [Benchmark(Description = "receipt on the vote's path, per vote", OperationsPerInvoke = VoteBatcher.MaxBatch)]
    public int Receipt()
    {
        // One HMAC per batch of votes, as PollStore.VoteBatchAsync makes it.
        using var hmac = VoteReceipts.NewHmac(_key);
        var length = 0;
        for (var i = 0; i < VoteBatcher.MaxBatch; i++)
        {
            length += VoteReceipts.Of(hmac, "42", _voters[i], 1796597312872 + i, "2", "").Length;
        }
        return length;
    }

    [Benchmark(Description = "log writer, per counted answer", OperationsPerInvoke = Batch)]
    public int WriterPerAnswer()
    {
        // One HMAC per page of records, as TallyLogWriter makes it.
        using var hmac = VoteReceipts.NewHmac(_key);
        var view = new TallyLog.Leaves();
        foreach (var line in _records)
        {
            AuditRecord.TryParse(line, out var record);
            var leaf = TallyLeaves.Of("42", record, PollKind.Choice, 1, VoteReceipts.Of(hmac, "42", record.Voter, record.AtMs, record.Choices, record.Previous))!;
            view.Add(TallyLeaves.Text(leaf), leaf);
        }
        return view.Hashes.Count;
    }

    [Benchmark(Description = "a head's root, 100,000 leaves")]
    public byte[] HeadRoot() => _large.Root();

    [Benchmark(Description = "a head's root, 100,000 leaves, hashing the whole log (the first writer)")]
    public byte[] HeadRootFromAllLeaves() => MerkleTree.Root(_largeHashes, _largeHashes.Count);
}
