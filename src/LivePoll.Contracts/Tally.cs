using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace LivePoll.Contracts;

/// <summary>
/// One leaf of a poll's tally log: a counted answer or a changed one, in the order the store counted them, or a recount
/// (the newsroom excluded or admitted a network, or a crash's torn batch was repaired) at the place it happened. It says
/// what the answer added to and took from each option (a ranking's Borda points; one per option otherwise), when to the
/// minute, and the receipt id its voter got (none for a recount); never a voter id, token, cookie or network. The log serves each leaf as
/// the exact JSON text that was hashed: a verifier hashes that text's UTF-8 bytes, so it never depends on how JSON is
/// written.
/// </summary>
public sealed record TallyLeaf
{
    /// <summary>"vote" (a first answer: one more voter), "change" (a voter's answer replaced) or "recount".</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    [JsonPropertyName("poll")] public required string PollId { get; init; }

    /// <summary>Option id (or a words poll's entry key) → what this answer added.</summary>
    [JsonPropertyName("add")] public required IReadOnlyDictionary<string, long> Add { get; init; }

    /// <summary>Option id → what this answer took back (a change: the earlier answer's share); empty for a first answer.</summary>
    [JsonPropertyName("remove")] public required IReadOnlyDictionary<string, long> Remove { get; init; }

    /// <summary>The minute it was counted, UTC ("2026-12-06T22:40Z").</summary>
    [JsonPropertyName("minute")] public required string Minute { get; init; }

    /// <summary>The receipt id the voter's answer carried (<see cref="VoteResult.Receipt"/>); "" for a recount.</summary>
    [JsonPropertyName("receipt")] public required string Receipt { get; init; }

    /// <summary>A recount's change to the number of voters counted (negative when a network was excluded); absent otherwise.</summary>
    [JsonPropertyName("voters")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Voters { get; init; }

    /// <summary>Why a recount happened: "exclude" or "admit" (a network), "repair" (a crash's torn batch), "seed" (demo counts); absent otherwise.</summary>
    [JsonPropertyName("reason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    public const string Vote = "vote";
    public const string Change = "change";
    public const string Recount = "recount";

    /// <summary>How many voters this leaf adds: one for a first answer, a recount's own change, none for a change.</summary>
    [JsonIgnore]
    public long VoterChange => Kind switch { Vote => 1, Recount => Voters ?? 0, _ => 0 };
}

/// <summary>
/// A signed tree head: the newsroom's statement that its log for a poll had <see cref="Size"/> leaves with this
/// <see cref="Root"/>, and that they sum to these counts. Signed with ECDSA P-256 over SHA-256 (the signature is r‖s,
/// 64 bytes, base64) of <see cref="TallyHeads.SignedText"/>, by the key <see cref="KeyId"/> published at
/// <c>/.well-known/livepoll-tally-keys</c>.
/// </summary>
public sealed record TallyHead
{
    [JsonPropertyName("poll")] public required string PollId { get; init; }

    [JsonPropertyName("size")] public required long Size { get; init; }

    /// <summary>The Merkle root of the first <see cref="Size"/> leaves, lowercase hex.</summary>
    [JsonPropertyName("root")] public required string Root { get; init; }

    /// <summary>Voters the leaves count: the "vote" leaves.</summary>
    [JsonPropertyName("voters")] public required long Voters { get; init; }

    /// <summary>Option id → the sum of the leaves' adds minus removes (options that no leaf touched: 0).</summary>
    [JsonPropertyName("counts")] public required IReadOnlyDictionary<string, long> Counts { get; init; }

    /// <summary>When it was signed, Unix milliseconds.</summary>
    [JsonPropertyName("at")] public required long At { get; init; }

    /// <summary>True on the head signed once the poll closed and its log held every counted answer.</summary>
    [JsonPropertyName("final")] public bool Final { get; init; }

    [JsonPropertyName("keyId")] public required string KeyId { get; init; }

    [JsonPropertyName("signature")] public required string Signature { get; init; }
}

/// <summary>Leaves and heads as JSON without reflection (the log writer makes a leaf per counted answer).</summary>
[JsonSerializable(typeof(TallyLeaf))]
[JsonSerializable(typeof(TallyHead))]
public sealed partial class TallyJson : JsonSerializerContext;

/// <summary>The text a tree head's signature covers, and how readers check it.</summary>
public static class TallyHeads
{
    /// <summary>
    /// Lines separated by "\n" (the last one ends with one too): "livepoll-tally-head/1", "poll ID", "size N",
    /// "root HEX", "voters N", one "count OPTION N" per option in ordinal order of the ids, "at MS", "final 0|1".
    /// </summary>
    public static string SignedText(TallyHead head)
    {
        var text = new StringBuilder("livepoll-tally-head/1\n");
        text.Append(CultureInfo.InvariantCulture, $"poll {head.PollId}\nsize {head.Size}\nroot {head.Root}\nvoters {head.Voters}\n");
        foreach (var (option, count) in head.Counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"count {option} {count}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"at {head.At}\nfinal {(head.Final ? 1 : 0)}\n");
        return text.ToString();
    }

    public static byte[] SignedBytes(TallyHead head) => Encoding.UTF8.GetBytes(SignedText(head));
}

/// <summary>A public key that signs tree heads.</summary>
public sealed record TallyKey
{
    [JsonPropertyName("keyId")] public required string KeyId { get; init; }

    /// <summary>"ES256": ECDSA on P-256 with SHA-256, signatures as r‖s.</summary>
    [JsonPropertyName("algorithm")] public required string Algorithm { get; init; }

    /// <summary>The key as SubjectPublicKeyInfo (DER), base64: what WebCrypto's importKey("spki") and .NET's ImportSubjectPublicKeyInfo take.</summary>
    [JsonPropertyName("spki")] public required string Spki { get; init; }

    [JsonPropertyName("created")] public required DateTimeOffset Created { get; init; }
}

/// <summary>The proof that a receipt's leaf is in the tree of a signed head.</summary>
public sealed record TallyInclusionProof
{
    [JsonPropertyName("receipt")] public required string Receipt { get; init; }

    /// <summary>The leaf's place in the log, from 0.</summary>
    [JsonPropertyName("index")] public required long Index { get; init; }

    /// <summary>The leaf's exact text (its UTF-8 bytes are what is hashed).</summary>
    [JsonPropertyName("leaf")] public required string Leaf { get; init; }

    /// <summary>The signed head the proof leads to.</summary>
    [JsonPropertyName("head")] public required TallyHead Head { get; init; }

    /// <summary>The audit path, leaf to root, lowercase hex.</summary>
    [JsonPropertyName("path")] public required IReadOnlyList<string> Path { get; init; }
}

/// <summary>The proof that the log of <see cref="From"/> leaves is a prefix of the log of <see cref="To"/> leaves.</summary>
public sealed record TallyConsistencyProof
{
    [JsonPropertyName("from")] public required long From { get; init; }

    [JsonPropertyName("to")] public required long To { get; init; }

    [JsonPropertyName("proof")] public required IReadOnlyList<string> Proof { get; init; }
}

/// <summary>A page of a log's leaves, as the exact texts that were hashed.</summary>
public sealed record TallyLeavesPage
{
    [JsonPropertyName("start")] public required long Start { get; init; }

    /// <summary>How many leaves the log holds now.</summary>
    [JsonPropertyName("size")] public required long Size { get; init; }

    [JsonPropertyName("leaves")] public required IReadOnlyList<string> Leaves { get; init; }
}
