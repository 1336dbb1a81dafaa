using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LivePoll.Contracts;

namespace LivePoll.Verify;

/// <summary>What a verification found: passed, or the first discrepancy (or why it could not be checked).</summary>
public sealed record Verdict(int ExitCode, string Summary)
{
    public bool Passed => ExitCode == TallyVerifier.Verified;
}

/// <summary>
/// Checks a poll's tally from outside, with nothing but the site's public answers: downloads the signing keys, every
/// signed head and every leaf; checks each head's signature, that its root is the Merkle root of the first size leaves
/// (RFC 9162), that its counts and voters are what those leaves sum to, that no two heads fork, that the site's
/// consistency proof between each pair of consecutive heads holds, that no leaf says more than it may (no voter, token
/// or network), and that the poll's published counts are what the final head signs. Stops at the first discrepancy.
/// </summary>
public sealed class TallyVerifier(HttpClient http, TextWriter output)
{
    public const int Verified = 0;
    public const int Discrepancy = 1;
    public const int CouldNotVerify = 2;

    private static readonly HashSet<string> LeafFields = ["kind", "poll", "add", "remove", "minute", "receipt", "voters", "reason"];

    private sealed class Failure(int exitCode, string message) : Exception(message)
    {
        public int ExitCode { get; } = exitCode;
    }

    public async Task<Verdict> VerifyAsync(string pollId)
    {
        try
        {
            var summary = await CheckAsync(Uri.EscapeDataString(pollId));
            output.WriteLine($"VERIFIED: {summary}");
            return new Verdict(Verified, summary);
        }
        catch (Failure failure)
        {
            output.WriteLine(failure.ExitCode == Discrepancy ? $"DISCREPANCY: {failure.Message}" : $"COULD NOT VERIFY: {failure.Message}");
            return new Verdict(failure.ExitCode, failure.Message);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            output.WriteLine($"COULD NOT VERIFY: {e.Message}");
            return new Verdict(CouldNotVerify, e.Message);
        }
    }

    private async Task<string> CheckAsync(string pollId)
    {
        var keys = (await GetAsync<List<TallyKey>>("/.well-known/livepoll-tally-keys"))
            .ToDictionary(k => k.KeyId, k => ImportKey(k), StringComparer.Ordinal);
        output.WriteLine($"keys: {keys.Count} ({string.Join(", ", keys.Keys)})");

        var heads = await GetAsync<List<TallyHead>>($"/api/polls/{pollId}/log/heads");
        if (heads.Count == 0)
        {
            throw new Failure(CouldNotVerify, $"poll {pollId} has no signed head yet.");
        }
        var newest = heads[^1];
        var leaves = new List<string>();
        while (leaves.Count < newest.Size)
        {
            var page = await GetAsync<TallyLeavesPage>($"/api/polls/{pollId}/log/leaves?start={leaves.Count}&count=1000");
            if (page.Leaves.Count == 0)
            {
                throw new Failure(Discrepancy, $"the newest head signs {newest.Size} leaves but the log serves only {leaves.Count} (leaves were removed).");
            }
            leaves.AddRange(page.Leaves);
        }
        output.WriteLine($"heads: {heads.Count}, newest of size {newest.Size}; leaves: {leaves.Count}");

        // Every leaf: its hash, its sums, and nothing it may not say.
        var hashes = new List<byte[]>(leaves.Count);
        var receipts = new HashSet<string>(StringComparer.Ordinal);
        var recounts = new List<string>();
        foreach (var (text, index) in leaves.Select((t, i) => (t, i)))
        {
            hashes.Add(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(text)));
            var leaf = ReadLeaf(text, index, pollId);
            if (leaf.Kind == TallyLeaf.Recount)
            {
                recounts.Add($"leaf {index}: {leaf.Reason} ({(leaf.Voters >= 0 ? "+" : "")}{leaf.Voters} voters)");
            }
            else if (!receipts.Add(leaf.Receipt))
            {
                throw new Failure(Discrepancy, $"leaf {index} repeats receipt {leaf.Receipt}.");
            }
        }

        // Every head: signed by a published key, its root the root of its first size leaves, its counts their sums; no forks.
        var seen = new Dictionary<long, string>();
        TallyHead? previous = null;
        foreach (var head in heads)
        {
            if (head.PollId != Uri.UnescapeDataString(pollId))
            {
                throw new Failure(Discrepancy, $"the head of size {head.Size} is for poll {head.PollId}, not {Uri.UnescapeDataString(pollId)}.");
            }
            if (!keys.TryGetValue(head.KeyId, out var key))
            {
                throw new Failure(Discrepancy, $"the head of size {head.Size} names key {head.KeyId}, which the site does not publish.");
            }
            if (!key.VerifyData(TallyHeads.SignedBytes(head), Convert.FromBase64String(head.Signature), HashAlgorithmName.SHA256,
                    DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                throw new Failure(Discrepancy, $"the head of size {head.Size}: its signature does not verify with key {head.KeyId} (forged or altered head).");
            }
            if (seen.TryGetValue(head.Size, out var root) && root != head.Root)
            {
                throw new Failure(Discrepancy, $"two signed heads of size {head.Size} have different roots ({root} and {head.Root}): the log forked.");
            }
            seen[head.Size] = head.Root;
            if (previous is not null && head.Size < previous.Size)
            {
                throw new Failure(Discrepancy, $"a head of size {head.Size} was signed after one of size {previous.Size}: the log went back.");
            }
            if (head.Size > leaves.Count)
            {
                throw new Failure(Discrepancy, $"the head of size {head.Size} signs more leaves than the log serves ({leaves.Count}).");
            }
            var computed = Convert.ToHexStringLower(MerkleTree.Root(hashes, (int)head.Size));
            if (computed != head.Root)
            {
                throw new Failure(Discrepancy, $"the head of size {head.Size} signs root {head.Root}, but the log's first {head.Size} leaves give {computed}: a leaf was changed, removed or inserted.");
            }
            var (counts, voters) = Sum(leaves.Take((int)head.Size));
            foreach (var option in counts.Keys.Union(head.Counts.Keys))
            {
                if (counts.GetValueOrDefault(option) != head.Counts.GetValueOrDefault(option))
                {
                    throw new Failure(Discrepancy, $"the head of size {head.Size} signs {head.Counts.GetValueOrDefault(option)} for option {option}, but its leaves sum to {counts.GetValueOrDefault(option)}.");
                }
            }
            if (voters != head.Voters)
            {
                throw new Failure(Discrepancy, $"the head of size {head.Size} signs {head.Voters} voters, but its leaves count {voters}.");
            }
            if (previous is not null && previous.Size > 0 && previous.Size < head.Size)
            {
                var proof = await GetAsync<TallyConsistencyProof>($"/api/polls/{pollId}/log/consistency?from={previous.Size}&to={head.Size}");
                if (!MerkleTree.VerifyConsistency(previous.Size, head.Size, Convert.FromHexString(previous.Root), Convert.FromHexString(head.Root),
                        proof.Proof.Select(Convert.FromHexString).ToList()))
                {
                    throw new Failure(Discrepancy, $"the site's consistency proof from size {previous.Size} to {head.Size} does not hold.");
                }
            }
            previous = head;
        }
        output.WriteLine($"every head: signature, root, sums and consistency with the one before hold");
        if (recounts.Count > 0)
        {
            output.WriteLine($"recounts by the newsroom, in the log where they happened: {string.Join("; ", recounts)}");
        }

        // What the poll shows.
        using var poll = JsonDocument.Parse(await GetStringAsync($"/api/polls/{pollId}"));
        var state = poll.RootElement.GetProperty("state").GetString();
        var shown = poll.RootElement.GetProperty("options").EnumerateArray()
            .Where(o => o.GetProperty("count").ValueKind == JsonValueKind.Number)
            .ToDictionary(o => o.GetProperty("id").GetString()!, o => o.GetProperty("count").GetInt64(), StringComparer.Ordinal);
        var shownVoters = poll.RootElement.GetProperty("totalVoters").GetInt64();
        if (heads.LastOrDefault(h => h.Final) is { } final && state == "Closed")
        {
            if (final.Size != leaves.Count)
            {
                throw new Failure(Discrepancy, $"the final head signs {final.Size} leaves but the log holds {leaves.Count}.");
            }
            foreach (var (option, count) in shown)
            {
                if (final.Counts.GetValueOrDefault(option) != count)
                {
                    throw new Failure(Discrepancy, $"the poll shows {count} for option {option}, but the final signed head (and its leaves) say {final.Counts.GetValueOrDefault(option)}.");
                }
            }
            if (shown.Count > 0 && shownVoters != final.Voters)
            {
                throw new Failure(Discrepancy, $"the poll shows {shownVoters} voters, but the final signed head (and its leaves) count {final.Voters}.");
            }
            await CheckPageAsync(pollId, final);
            return $"poll {Uri.UnescapeDataString(pollId)} is closed; {final.Size} leaves, {heads.Count} heads; its published counts (API and page) are the signed, logged sums ({string.Join(", ", shown.Select(s => $"{s.Key}: {s.Value}"))}; {shownVoters} voters).";
        }
        output.WriteLine($"poll is {state}: its counts move on while this runs; compared with the newest head only after it closes (final head).");
        return $"poll {Uri.UnescapeDataString(pollId)} ({state}): {newest.Size} leaves and {heads.Count} heads are consistent and correctly signed; the final comparison with its published counts waits for its close.";
    }

    /// <summary>The poll's own page (/polls/{id}) shows each option's count in data-count and the voters in data-voters.</summary>
    private async Task CheckPageAsync(string pollId, TallyHead final)
    {
        using var response = await http.GetAsync($"/polls/{pollId}");
        if (!response.IsSuccessStatusCode)
        {
            output.WriteLine($"the poll's page answered {(int)response.StatusCode}: not compared");
            return;
        }
        var page = await response.Content.ReadAsStringAsync();
        var shown = System.Text.RegularExpressions.Regex.Matches(page, "data-option-id=\"([^\"]+)\" data-count=\"(\\d+)\"")
            .ToDictionary(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value), m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (option, count) in shown)
        {
            if (final.Counts.GetValueOrDefault(option) != count)
            {
                throw new Failure(Discrepancy, $"the poll's page shows {count} for option {option}, but the final signed head (and its leaves) say {final.Counts.GetValueOrDefault(option)}.");
            }
        }
        var voters = System.Text.RegularExpressions.Regex.Match(page, "data-voters=\"(\\d+)\"");
        if (voters.Success && long.Parse(voters.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) != final.Voters)
        {
            throw new Failure(Discrepancy, $"the poll's page shows {voters.Groups[1].Value} voters, but the final signed head (and its leaves) count {final.Voters}.");
        }
        output.WriteLine(shown.Count > 0 ? $"the poll's page shows the same {shown.Count} counts and {final.Voters} voters" : "the poll's page shows no counts: not compared");
    }

    private static TallyLeaf ReadLeaf(string text, int index, string pollId)
    {
        using var document = JsonDocument.Parse(text);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new Failure(Discrepancy, $"leaf {index} is not a JSON object.");
        }
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!LeafFields.Contains(property.Name))
            {
                throw new Failure(Discrepancy, $"leaf {index} has a field '{property.Name}' a leaf may not have (a leaf never names a voter, token or network).");
            }
        }
        var leaf = document.RootElement.Deserialize<TallyLeaf>()
            ?? throw new Failure(Discrepancy, $"leaf {index} is not a leaf.");
        if (leaf.PollId != Uri.UnescapeDataString(pollId) || leaf.Kind is not (TallyLeaf.Vote or TallyLeaf.Change or TallyLeaf.Recount))
        {
            throw new Failure(Discrepancy, $"leaf {index} is of poll {leaf.PollId}, kind {leaf.Kind}: not a leaf of this poll's log.");
        }
        if ((leaf.Kind == TallyLeaf.Recount) != (leaf.Receipt.Length == 0) || (leaf.Kind == TallyLeaf.Recount) != leaf.Voters.HasValue)
        {
            throw new Failure(Discrepancy, $"leaf {index}: a {leaf.Kind} leaf {(leaf.Receipt.Length == 0 ? "without" : "with")} a receipt{(leaf.Voters.HasValue ? " and a voters change" : "")} is not one LivePoll writes.");
        }
        return leaf;
    }

    private static (Dictionary<string, long> Counts, long Voters) Sum(IEnumerable<string> leaves)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long voters = 0;
        foreach (var text in leaves)
        {
            var leaf = JsonSerializer.Deserialize<TallyLeaf>(text)!;
            foreach (var (option, points) in leaf.Add)
            {
                counts[option] = counts.GetValueOrDefault(option) + points;
            }
            foreach (var (option, points) in leaf.Remove)
            {
                counts[option] = counts.GetValueOrDefault(option) - points;
            }
            voters += leaf.VoterChange;
        }
        return (counts, voters);
    }

    private static ECDsa ImportKey(TallyKey key)
    {
        var spki = Convert.FromBase64String(key.Spki);
        var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
        return ecdsa;
    }

    private async Task<T> GetAsync<T>(string path) =>
        JsonSerializer.Deserialize<T>(await GetStringAsync(path)) ?? throw new Failure(CouldNotVerify, $"{path} answered nothing.");

    private async Task<string> GetStringAsync(string path)
    {
        using var response = await http.GetAsync(path);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            throw new Failure(CouldNotVerify, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
