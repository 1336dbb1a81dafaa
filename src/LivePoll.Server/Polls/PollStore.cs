using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;
using LivePoll.Server.Storage;
using StackExchange.Redis;

namespace LivePoll.Server.Polls;

/// <summary>
/// Polls in the store. Every change to counts is one atomic script (<see cref="PollScripts"/>); a vote is
/// answered only after the store has answered, so an acknowledged vote is a counted vote.
/// </summary>
public sealed class PollStore(IConnectionMultiplexer redis, RedisKeys keys, LivePollMetrics metrics, Live.NodeInfo node,
    Microsoft.Extensions.Options.IOptions<Abuse.AbuseOptions> limits, StoredRecords records, WriteAcks writeAcks, VoteReceipts receipts)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const int MaxCachedDefinitions = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Json, PollDefinition Definition)> _definitions = new();

    private IDatabase Db => redis.GetDatabase();

    public async Task<string> NextIdAsync() =>
        (await Db.StringIncrementAsync(keys.PollSequence)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Stores a new poll. <paramref name="initialCounts"/> seeds counts (demo data only; never from a request).</summary>
    public async Task CreateAsync(PollDefinition poll, IReadOnlyDictionary<string, long>? initialCounts = null)
    {
        if (poll.Epoch.Length == 0)
        {
            poll = poll with { Epoch = StoreEpoch.New() };
        }
        var counts = poll.Options
            .Select(o => new HashEntry(o.Id, initialCounts?.GetValueOrDefault(o.Id) ?? 0))
            .Append(new HashEntry("_total", initialCounts?.Values.Sum() ?? 0))
            .Append(new HashEntry("_version", 0))
            .ToArray();
        var state = poll.OpensAt is { } opens && opens > poll.CreatedAt ? "scheduled" : "open";
        HashEntry[] meta =
        [
            new("state", state),
            new("opensAt", state == "scheduled" ? UnixMs.Text(poll.OpensAt!.Value) : ""),
            new("closesAt", poll.ClosesAt is { } c ? UnixMs.Text(c) : ""),
            new("maxChoices", poll.MaxChoices),
            new("allowChange", poll.AllowVoteChange ? "1" : "0"),
            new("kind", poll.Kind.ToString().ToLowerInvariant()),
            new("def", JsonSerializer.Serialize(poll, Json)),
            new("epoch", poll.Epoch),
        ];

        // Counts first, meta last: a poll exists for votes once its meta hash does.
        await Db.HashSetAsync(keys.PollCounts(poll.Id), counts);
        if (initialCounts is { Count: > 0 })
        {
            // Seeded counts are no one's answers: the tally log says so with a "seed" leaf before any vote.
            await Db.ListRightPushAsync(keys.PollLogRecounts(poll.Id), string.Join(' ',
                new[] { "0", (initialCounts.Values.Sum()).ToString(CultureInfo.InvariantCulture), "seed" }
                    .Concat(counts.Where(c => !c.Name.ToString().StartsWith('_')).SelectMany(c => new[] { c.Name.ToString(), c.Value.ToString() }))));
        }
        await Db.HashSetAsync(keys.PollMeta(poll.Id), meta);
        await Db.SortedSetAddAsync(keys.PollIndex, poll.Id, UnixMs.Of(poll.CreatedAt));
        if (state == "scheduled")
        {
            await Db.SortedSetAddAsync(keys.PollSchedule, $"open:{poll.Id}", UnixMs.Of(poll.OpensAt!.Value));
        }
        if (poll.ClosesAt is { } closes)
        {
            await Db.SortedSetAddAsync(keys.PollSchedule, $"close:{poll.Id}", UnixMs.Of(closes));
        }
        await writeAcks.ConfirmAsync(keys.PollMeta(poll.Id));
    }

    /// <summary>The poll as it stands now, or null when no poll has this id.</summary>
    public async Task<Poll?> GetAsync(string pollId, DateTime now) =>
        await GetIfNewerAsync(pollId, knownVersion: -1, now) is { Poll: { } poll } ? poll : null;

    /// <summary>
    /// The poll as it stands now when its version is above <paramref name="knownVersion"/> (-1: always), read in one
    /// atomic step (or when its epoch is not <paramref name="knownEpoch"/>: the poll was made anew); otherwise no poll, with the version the store has (below <paramref name="knownVersion"/> when
    /// the store lost data), or <see cref="PollRead.Missing"/> when there is no such poll.
    /// </summary>
    public async Task<PollRead> GetIfNewerAsync(string pollId, long knownVersion, DateTime now, string knownEpoch = "")
    {
        var started = Stopwatch.GetTimestamp();
        var reply = await Db.ScriptEvaluateAsync(PollScripts.Read, [keys.PollMeta(pollId), keys.PollCounts(pollId), keys.PollWordStates(pollId)],
            [knownVersion, knownEpoch]);
        metrics.RecordStoreLatency(Stopwatch.GetElapsedTime(started), "poll.read");
        if (reply.IsNull)
        {
            return PollRead.Missing;
        }
        if (reply.Resp2Type == ResultType.Integer)
        {
            return new PollRead(null, Exists: true, (long)reply);
        }

        var fields = (RedisResult[])reply!;
        var countsEnd = 7 + (int)fields[6];
        var counts = new Dictionary<string, long>(countsEnd / 2);
        for (var i = 7; i + 1 < countsEnd; i += 2)
        {
            counts[fields[i].ToString()] = (long)fields[i + 1];
        }
        if (Definition(pollId, fields[3].ToString()) is not { } definition)
        {
            // An unreadable poll is skipped like a missing one (logged and counted), so it breaks neither a page nor the fan-out.
            return PollRead.Missing;
        }
        // The meta hash's epoch rules: it is renewed when the poll's version went back (see PollScripts.RenewEpoch).
        if (fields[4].ToString() is { Length: > 0 } epoch && epoch != definition.Epoch)
        {
            definition = definition with { Epoch = epoch };
        }
        var opensAt = UnixMs.Parse(fields[1].ToString());
        var closesAt = UnixMs.Parse(fields[2].ToString());
        var state = fields[0].ToString() switch
        {
            "closed" => PollState.Closed,
            "scheduled" when opensAt is null || opensAt > now => PollState.Scheduled,
            _ => PollState.Open,
        };
        if (state != PollState.Closed && closesAt <= now)
        {
            state = PollState.Closed;
        }
        var version = counts.GetValueOrDefault("_version");
        var revealed = fields[5].ToString() == "1";
        var shownWords = definition.Kind == PollKind.Words ? await ShownWordsAsync(counts, fields, countsEnd) : null;
        return new PollRead(new Poll(definition, state, opensAt, closesAt, counts, counts.GetValueOrDefault("_total"), version, revealed, shownWords),
            Exists: true, version);
    }

    /// <summary>
    /// A words poll's entries readers may see, most sent first (at most 100): approved by an editor or on the allow-list, and
    /// neither hidden nor on the block-list.
    /// </summary>
    private async Task<IReadOnlyList<WordCount>> ShownWordsAsync(Dictionary<string, long> counts, RedisResult[] fields, int statesStart)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = statesStart; i + 1 < fields.Length; i += 2)
        {
            states[fields[i].ToString()] = fields[i + 1].ToString();
        }
        var lists = await GetWordListsAsync();
        var allowed = lists.Allowed.Select(WordEntries.Key).ToHashSet(StringComparer.Ordinal);
        var blocked = lists.Blocked.Select(WordEntries.Key).ToHashSet(StringComparer.Ordinal);
        return counts
            .Where(c => WordEntries.IsKey(c.Key) && c.Value > 0 && !blocked.Contains(c.Key)
                && (states.TryGetValue(c.Key, out var state) ? state == "a" : allowed.Contains(c.Key)))
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(100)
            .Select(c => new WordCount { Text = WordEntries.Text(c.Key), Count = c.Value })
            .ToList();
    }

    /// <summary>Every entry of a words poll with its count and where it stands: the desk's moderation queue.</summary>
    public async Task<IReadOnlyList<WordEntry>?> GetWordEntriesAsync(string pollId)
    {
        var db = Db;
        if (!await db.KeyExistsAsync(keys.PollMeta(pollId)))
        {
            return null;
        }
        var counts = await db.HashGetAllAsync(keys.PollCounts(pollId));
        var states = (await db.HashGetAllAsync(keys.PollWordStates(pollId))).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        var lists = await GetWordListsAsync();
        var allowed = lists.Allowed.ToHashSet(StringComparer.Ordinal);
        var blocked = lists.Blocked.ToHashSet(StringComparer.Ordinal);
        return counts
            .Where(c => WordEntries.IsKey(c.Name.ToString()) && (long)c.Value > 0)
            .Select(c =>
            {
                var key = c.Name.ToString();
                var text = WordEntries.Text(key);
                var state = blocked.Contains(text) ? WordState.Blocked
                    : states.TryGetValue(key, out var s) ? (s == "a" ? WordState.Approved : WordState.Hidden)
                    : allowed.Contains(text) ? WordState.Approved : WordState.Pending;
                return new WordEntry(text, (long)c.Value, state);
            })
            .OrderBy(e => e.State).ThenByDescending(e => e.Count).ThenBy(e => e.Text, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Approves or hides entries of a words poll (a new version, so readers get the new cloud); false when there is no such
    /// poll. Approving a blocked entry is the caller's to refuse.
    /// </summary>
    public async Task<bool> ModerateWordsAsync(string pollId, IReadOnlyList<string> entries, bool approve)
    {
        var args = new RedisValue[entries.Count + 1];
        args[0] = approve ? "a" : "h";
        for (var i = 0; i < entries.Count; i++)
        {
            args[i + 1] = WordEntries.Key(entries[i]);
        }
        var version = (long)await Db.ScriptEvaluateAsync(PollScripts.ModerateWords,
            [keys.PollMeta(pollId), keys.PollCounts(pollId), keys.PollWordStates(pollId)], args);
        if (version >= 0)
        {
            await writeAcks.ConfirmAsync(keys.PollCounts(pollId));
        }
        return version >= 0;
    }

    /// <summary>The newsroom's allow- and block-lists for words polls.</summary>
    public async Task<WordLists> GetWordListsAsync()
    {
        var db = Db;
        var allowed = db.SetMembersAsync(keys.WordsAllowed);
        var blocked = db.SetMembersAsync(keys.WordsBlocked);
        return new WordLists
        {
            Allowed = (await allowed).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToList(),
            Blocked = (await blocked).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>Replaces the newsroom's lists (entries normalised as readers' are).</summary>
    public async Task<WordLists> SetWordListsAsync(WordLists lists)
    {
        var allowed = WordEntries.NormalizeList(lists.Allowed);
        var blocked = WordEntries.NormalizeList(lists.Blocked);
        RedisValue[] args = [allowed.Count, .. allowed.Select(a => (RedisValue)a), .. blocked.Select(b => (RedisValue)b)];
        await Db.ScriptEvaluateAsync(PollScripts.SetWordLists, [keys.WordsAllowed, keys.WordsBlocked], args);
        await writeAcks.ConfirmAsync(keys.WordsBlocked);
        return await GetWordListsAsync();
    }

    /// <summary>
    /// Gives the poll a new epoch if it still has <paramref name="knownEpoch"/> (its version went back: the store lost
    /// votes); returns the epoch it has now, or null when there is no such poll.
    /// </summary>
    public async Task<string?> RenewEpochAsync(string pollId, string knownEpoch)
    {
        var reply = await Db.ScriptEvaluateAsync(PollScripts.RenewEpoch, [keys.PollMeta(pollId)],
            [knownEpoch, StoreEpoch.New()]);
        return reply.IsNull ? null : reply.ToString();
    }

    // A poll's definition never changes once created: parse its JSON once per poll (and again only if it differs,
    // e.g. after the store lost its data and the id was used anew).
    private PollDefinition? Definition(string pollId, string json)
    {
        if (_definitions.TryGetValue(pollId, out var known) && known.Json == json)
        {
            return known.Definition;
        }
        if (records.Read<PollDefinition>(json, Json, "poll", $"{keys.PollMeta(pollId)} def") is not { } definition
            || definition.Options is null || definition.Question is null)
        {
            return null;
        }
        if (_definitions.Count >= MaxCachedDefinitions)
        {
            _definitions.Clear();
        }
        _definitions[pollId] = (json, definition);
        return definition;
    }

    /// <summary>Every poll, newest first.</summary>
    public async Task<IReadOnlyList<Poll>> ListAsync(DateTime now, int limit = 100)
    {
        var ids = await Db.SortedSetRangeByRankAsync(keys.PollIndex, 0, limit - 1, Order.Descending);
        var polls = await Task.WhenAll(ids.Select(id => GetAsync(id.ToString(), now)));
        return polls.OfType<Poll>().ToList();
    }

    /// <summary>The option ids this voter chose in this poll, or null when they have not voted.</summary>
    public async Task<IReadOnlyList<string>?> GetChoicesAsync(string pollId, string voterId)
    {
        var choices = await Db.HashGetAsync(keys.PollVoters(pollId), voterId);
        return choices.IsNullOrEmpty ? null : Split(choices.ToString());
    }

    /// <summary>How many answers one network may give in one poll before the store holds the rest (0: no cap, limits off).</summary>
    private int NetworkCap => limits.Value.Enabled ? limits.Value.VotesPerNetworkPerPoll : 0;

    /// <summary>
    /// Counts a batch of votes for one poll in one atomic script (<see cref="PollScripts.VoteBatch"/>), each as if it
    /// were alone, in order. Returns one result per vote, in the same order, once the store has answered.
    /// </summary>
    public async Task<VoteResult[]> VoteBatchAsync(string pollId, IReadOnlyList<BallotRequest> votes, DateTime now)
    {
        var length = 3;
        foreach (var vote in votes)
        {
            length += 3 + vote.OptionIds.Count;
        }
        var args = new RedisValue[length];
        var atMs = UnixMs.Of(now);
        args[0] = atMs;
        args[1] = node.Name;
        args[2] = NetworkCap;
        var at = 3;
        foreach (var vote in votes)
        {
            args[at++] = vote.VoterId;
            args[at++] = vote.Origin;
            args[at++] = vote.OptionIds.Count;
            foreach (var optionId in vote.OptionIds)
            {
                args[at++] = optionId;
            }
        }

        var started = Stopwatch.GetTimestamp();
        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(
            PollScripts.VoteBatch, VoteKeys(pollId), args))!;
        metrics.RecordStoreLatency(Stopwatch.GetElapsedTime(started), "vote");
        // With Redis:AckAfterReplicas, no answer (AlreadyVoted included: it too says "your vote is counted") before replicas hold it.
        await writeAcks.ConfirmAsync(keys.PollCounts(pollId));

        using var receiptHmac = VoteReceipts.NewHmac(await receipts.KeyAsync());
        var results = new VoteResult[votes.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var outcome = ParseOutcome(reply[4 * i].ToString());
            var choices = reply[4 * i + 1].ToString();
            var previous = reply[4 * i + 2].ToString();
            results[i] = VoteResults.Create(outcome, pollId,
                choices: choices.Length > 0 ? Split(choices) : null,
                previous: previous.Length > 0 ? Split(previous) : null,
                version: outcome is VoteOutcome.Accepted or VoteOutcome.Changed or VoteOutcome.AlreadyVoted ? (long)reply[4 * i + 3] : null)
                with
                {
                    // The audit record of a counted answer holds the same fields, so the tally log finds the same receipt.
                    Receipt = outcome is VoteOutcome.Accepted or VoteOutcome.Changed
                        ? VoteReceipts.Of(receiptHmac, pollId, votes[i].VoterId, atMs, choices, previous) : null,
                };
        }
        return results;
    }

    private RedisKey[] VoteKeys(string pollId) =>
    [
        keys.PollMeta(pollId), keys.PollCounts(pollId), keys.PollVoters(pollId), keys.PollAudit(pollId),
        keys.PollHeld(pollId), keys.PollNetworks(pollId), keys.PollExcluded(pollId), keys.PollAdmitted(pollId), keys.PollOutcomes(pollId),
    ];

    /// <summary>The vote script's keys and the tally log's list of recounts, where a recount that changed the counts is noted.</summary>
    private RedisKey[] RecountKeys(string pollId) => [.. VoteKeys(pollId), keys.PollLogRecounts(pollId)];

    /// <summary>Tallies a vote refused before the store (e.g. "RateLimited", "VoterRequired") for the integrity view; fire and forget.</summary>
    public void CountRefusal(string pollId, string outcome)
    {
        if (PollRequests.IsValidId(pollId))
        {
            _ = Db.ScriptEvaluateAsync(PollScripts.CountRefusal, [keys.PollMeta(pollId), keys.PollOutcomes(pollId)], [outcome], CommandFlags.FireAndForget);
        }
    }

    /// <summary>How a poll's votes were answered: outcome → count.</summary>
    public async Task<Dictionary<string, long>> GetOutcomesAsync(string pollId) =>
        (await Db.HashGetAllAsync(keys.PollOutcomes(pollId))).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);

    /// <summary>
    /// Excludes a client network from a poll (<paramref name="exclude"/>) or admits it (no cap), and counts the poll again
    /// from its audit records; false when there is no such poll.
    /// </summary>
    public async Task<bool> SetNetworkAsync(string pollId, string network, bool exclude)
    {
        var db = Db;
        if (exclude)
        {
            await db.SetRemoveAsync(keys.PollAdmitted(pollId), network);
            await db.SetAddAsync(keys.PollExcluded(pollId), network);
        }
        else
        {
            await db.SetRemoveAsync(keys.PollExcluded(pollId), network);
            await db.SetAddAsync(keys.PollAdmitted(pollId), network);
        }
        var reply = await db.ScriptEvaluateAsync(PollScripts.Recount, RecountKeys(pollId), [NetworkCap, -1, exclude ? "exclude" : "admit"]);
        await writeAcks.ConfirmAsync(keys.PollCounts(pollId));
        return !reply.IsNull;
    }

    /// <summary>
    /// After the embedded store replayed its append-only file from an unclean stop: counts every poll again from its
    /// audit records where its counts, voters or total disagree with them by no more than one vote batch could (the
    /// replay can keep part of the last batch's writes; that batch was never acknowledged). A poll whose counts the
    /// records do not explain by far (the demo poll's seeded counts) is left as it is. Returns the polls written.
    /// </summary>
    public async Task<IReadOnlyList<string>> RepairTornBatchesAsync()
    {
        var db = Db;
        var repaired = new List<string>();
        foreach (var id in await db.SortedSetRangeByRankAsync(keys.PollIndex))
        {
            var reply = await db.ScriptEvaluateAsync(PollScripts.Recount, RecountKeys(id.ToString()), [NetworkCap, TornBatchTolerance, "repair"]);
            if (!reply.IsNull && ((RedisResult[])reply!)[3].ToString() == "written")
            {
                repaired.Add(id.ToString());
                await writeAcks.ConfirmAsync(keys.PollCounts(id.ToString()));
            }
        }
        return repaired;
    }

    /// <summary>The most a torn vote batch can move one count: every vote of a batch on one option (the script scales it by a ranking's top points).</summary>
    private const int TornBatchTolerance = VoteBatcher.MaxBatch;

    /// <summary>The networks the newsroom excluded from and admitted to a poll.</summary>
    public async Task<(string[] Excluded, string[] Admitted)> GetNetworkRulesAsync(string pollId) =>
        ((await Db.SetMembersAsync(keys.PollExcluded(pollId))).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToArray(),
         (await Db.SetMembersAsync(keys.PollAdmitted(pollId))).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToArray());

    private static VoteOutcome ParseOutcome(string outcome) => outcome switch
    {
        nameof(VoteOutcome.Accepted) => VoteOutcome.Accepted,
        nameof(VoteOutcome.AlreadyVoted) => VoteOutcome.AlreadyVoted,
        nameof(VoteOutcome.Changed) => VoteOutcome.Changed,
        _ => Enum.Parse<VoteOutcome>(outcome),
    };

    /// <summary>Shows a quiz's correct answers to readers from now on (a new version); false when no poll has this id.</summary>
    public async Task<bool> RevealAsync(string pollId, DateTime now)
    {
        var version = (long)await Db.ScriptEvaluateAsync(
            PollScripts.SetState, [keys.PollMeta(pollId), keys.PollCounts(pollId)], ["reveal", UnixMs.Of(now)]);
        if (version >= 0)
        {
            await writeAcks.ConfirmAsync(keys.PollMeta(pollId));
        }
        return version >= 0;
    }

    /// <summary>Opens or closes a poll by the newsroom's hand; false when no poll has this id.</summary>
    public async Task<bool> SetOpenAsync(string pollId, bool open, DateTime now)
    {
        var version = (long)await Db.ScriptEvaluateAsync(
            PollScripts.SetState, [keys.PollMeta(pollId), keys.PollCounts(pollId)], [open ? "open" : "close", UnixMs.Of(now)]);
        if (version >= 0 && !open)
        {
            await Db.SortedSetRemoveAsync(keys.PollSchedule, $"close:{pollId}");
        }
        if (version >= 0 && open)
        {
            await Db.SortedSetRemoveAsync(keys.PollSchedule, $"open:{pollId}");
        }
        if (version >= 0)
        {
            await writeAcks.ConfirmAsync(keys.PollMeta(pollId));
        }
        return version >= 0;
    }

    /// <summary>
    /// Applies scheduled openings and closings that are due. Returns the polls this call changed: when
    /// several nodes race, each change is reported by exactly one of them.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApplyDueScheduleAsync(DateTime now)
    {
        var dueWithTimes = await Db.SortedSetRangeByScoreWithScoresAsync(keys.PollSchedule, double.NegativeInfinity, UnixMs.Of(now), take: 100);
        metrics.RecordScheduleLag("poll", dueWithTimes.Length == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(UnixMs.Of(now) - dueWithTimes[0].Score));
        var changed = new List<string>();
        foreach (var entry in dueWithTimes.Select(e => e.Element))
        {
            var text = entry.ToString();
            var separator = text.IndexOf(':');
            if (separator <= 0 || text[..separator] is not ("open" or "close"))
            {
                records.Report("poll schedule entry", $"{keys.PollSchedule} '{text}'", "it is not 'open:ID' or 'close:ID'; removed");
                await Db.SortedSetRemoveAsync(keys.PollSchedule, entry);
                continue;
            }
            var (kind, pollId) = (text[..separator], text[(separator + 1)..]);
            var applied = (long)await Db.ScriptEvaluateAsync(
                PollScripts.ApplySchedule, [keys.PollMeta(pollId), keys.PollCounts(pollId)], [kind, UnixMs.Of(now)]);
            await Db.SortedSetRemoveAsync(keys.PollSchedule, entry);
            if (applied == 1)
            {
                changed.Add(pollId);
            }
        }
        return changed;
    }

    // A words poll's choice is an entry key ("w:…"): shown to its voter as the entry's text.
    private static string[] Split(string choices) =>
        choices.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(WordEntries.Text).ToArray();
}
