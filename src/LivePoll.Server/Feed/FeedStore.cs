using System.Globalization;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using StackExchange.Redis;

namespace LivePoll.Server.Feed;

/// <summary>
/// The feed in the store. Every change is one script that takes the next sequence number, logs the event,
/// stores the article and updates the feed index together; so the log has no gaps and catch-up after N
/// returns exactly the changes after N, in order.
/// </summary>
public sealed class FeedStore(IConnectionMultiplexer redis, RedisKeys keys, StoredRecords records, WriteAcks writeAcks,
    Diagnostics.LivePollMetrics metrics)
{
    /// <summary>How many events the log keeps; a reader further behind reloads the page instead of catching up.</summary>
    public const int LogLength = 10_000;

    internal static readonly JsonSerializerOptions Json = CreateJson();

    // Every change of an article, in one script so that nothing changes between the check and the write. Its keys and
    // arguments are named at its top, in the order ChangeAsync passes them.
    // Returns { feed sequence (0 without an event), new version } or { -1, current version } when the article changed
    // since, or { -2, the key's value } when the idempotency key was used already.
    private const string ChangeScript = """
        local seqKey, logKey, articlesKey, indexKey, scheduleKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
        local pinnedKey, versionsKey, idempotencyKey, epochKey = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
        local id = ARGV[1]                -- the article
        local from = tonumber(ARGV[2])    -- the version the change was made from
        local eventJson = ARGV[3]         -- the feed event; '' for an article not in the feed (no event)
        local articleJson = ARGV[4]       -- the article at version from + 1
        local indexAction = ARGV[5]       -- add | remove | keep (the feed's index)
        local logLength = tonumber(ARGV[6])
        local pinned = ARGV[7] == '1'     -- pinned and in the feed
        local scheduleAt = ARGV[8]        -- when to publish, in ms; '' for no schedule
        local claim = ARGV[9] == '1'      -- claim the idempotency key
        local claimValue = ARGV[10]
        local newEpoch = ARGV[11]         -- the epoch to begin with if the feed has none (a new or wiped store)

        if claim then
          local prior = redis.call('GET', idempotencyKey)
          if prior then return { -2, prior } end
        end
        local current = tonumber(redis.call('HGET', versionsKey, id) or '0')
        if current ~= from then return { -1, tostring(current) } end
        if claim then redis.call('SET', idempotencyKey, claimValue, 'EX', 86400) end
        redis.call('SET', epochKey, newEpoch, 'NX')
        redis.call('HSET', versionsKey, id, current + 1)
        redis.call('HSET', articlesKey, id, articleJson)
        local seq = 0
        if eventJson ~= '' then
          seq = redis.call('INCR', seqKey)
          redis.call('ZADD', logKey, seq, eventJson)
          if indexAction == 'add' then redis.call('ZADD', indexKey, seq, id)
          elseif indexAction == 'remove' then redis.call('ZREM', indexKey, id) end
          local published = redis.call('ZSCORE', indexKey, id)
          if pinned and published then redis.call('ZADD', pinnedKey, published, id)
          else redis.call('ZREM', pinnedKey, id) end
          redis.call('ZREMRANGEBYRANK', logKey, 0, -1 - logLength)
        end
        if scheduleAt ~= '' then redis.call('ZADD', scheduleKey, scheduleAt, id)
        else redis.call('ZREM', scheduleKey, id) end
        return { seq, tostring(current + 1) }
        """;

    // Where the feed stands: its epoch (begun here if it has none), its last sequence number, and the stored event at a
    // sequence the caller delivered (to tell whether the store still has it).
    private const string PositionScript = """
        local epochKey, seqKey, logKey = KEYS[1], KEYS[2], KEYS[3]
        local newEpoch = ARGV[1]
        local delivered = tonumber(ARGV[2])   -- the sequence the caller delivered last; 0: none
        redis.call('SET', epochKey, newEpoch, 'NX')
        local stored = false
        if delivered > 0 then stored = redis.call('ZRANGEBYSCORE', logKey, delivered, delivered)[1] or false end
        return { redis.call('GET', epochKey), tonumber(redis.call('GET', seqKey) or '0'), stored }
        """;

    // Begins a new epoch unless someone already did; returns the epoch in force.
    private const string RenewEpochScript = """
        local epochKey = KEYS[1]
        local known, newEpoch = ARGV[1], ARGV[2]   -- the epoch the caller knew; the one to begin
        local current = redis.call('GET', epochKey)
        if current == false or current == known then redis.call('SET', epochKey, newEpoch); return newEpoch end
        return current
        """;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// The feed's epoch and last sequence number, read together (an epoch is begun if the store has none); with
    /// <paramref name="delivered"/>, also the stored event JSON at that sequence, or null when the store no longer has it.
    /// </summary>
    public async Task<FeedPosition> PositionAsync(long delivered = 0)
    {
        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(PositionScript, [keys.FeedEpoch, keys.FeedSequence, keys.FeedLog],
            [StoreEpoch.New(), Math.Max(delivered, 0)]))!;
        return new FeedPosition(reply[0].ToString(), (long)reply[1], reply[2].IsNull || reply[2].Resp2Type == ResultType.Integer ? null : reply[2].ToString());
    }

    /// <summary>Begins a new epoch after the store lost events but kept its epoch (e.g. a lost AOF tail); returns the epoch now in force.</summary>
    public async Task<string> RenewEpochAsync(string known) =>
        (await Db.ScriptEvaluateAsync(RenewEpochScript, [keys.FeedEpoch], [known, StoreEpoch.New()])).ToString();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WireFormats.Configure(options);
        return options;
    }

    public async Task<string> NextIdAsync() =>
        "a" + (await Db.StringIncrementAsync(keys.ArticleSequence)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Stores <paramref name="article"/> as the next version of what was read at <paramref name="from"/> (0 for a new
    /// article), with its feed event when <paramref name="kind"/> is given (an article in the feed, or entering or
    /// leaving it); refused when the article changed since, or when <paramref name="idempotency"/> was used already.
    /// </summary>
    public async Task<ArticleChange> ChangeAsync(Article article, int from, FeedEventKind? kind, long articleSequence, DateTime at,
        (string Key, string Fingerprint)? idempotency = null)
    {
        var next = article with { Version = from + 1 };
        var indexAction = kind switch
        {
            FeedEventKind.Published => "add",
            FeedEventKind.Retracted => "remove",
            _ => "keep",
        };
        var eventJson = kind is { } k ? JsonSerializer.Serialize(new StoredFeedEvent(k, at, next, articleSequence, Guid.NewGuid().ToString("N")), Json) : "";
        var scheduleAt = kind is null && next.State == ArticleState.Scheduled && next.PublishAt is { } publishAt
            ? UnixMs.Text(publishAt) : "";
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(ChangeScript,
            [keys.FeedSequence, keys.FeedLog, keys.FeedArticles, keys.FeedIndex, keys.FeedSchedule, keys.FeedPinned, keys.FeedVersions,
                keys.FeedIdempotency(idempotency?.Key ?? ""), keys.FeedEpoch],
            [article.Id, from, eventJson, JsonSerializer.Serialize(next, Json), indexAction, LogLength,
                next.Pinned && kind != FeedEventKind.Retracted ? "1" : "0", scheduleAt,
                idempotency is null ? "0" : "1", idempotency is { } i ? $"{article.Id}|{i.Fingerprint}" : "", StoreEpoch.New()]))!;
        await writeAcks.ConfirmAsync(keys.FeedLog);
        var status = (long)result[0];
        return status switch
        {
            -1 => new ArticleChange(ArticleChangeOutcome.Stale, null, 0, int.Parse(result[1].ToString(), CultureInfo.InvariantCulture), null),
            -2 => new ArticleChange(ArticleChangeOutcome.Replayed, null, 0, 0, result[1].ToString()),
            _ => new ArticleChange(ArticleChangeOutcome.Stored, next, status, from + 1, null),
        };
    }

    /// <summary>The article and the sequence it was published at (0 if not in the feed), or null.</summary>
    public async Task<(Article Article, long Sequence)?> GetAsync(string id)
    {
        var jsonTask = Db.HashGetAsync(keys.FeedArticles, id);
        var scoreTask = Db.SortedSetScoreAsync(keys.FeedIndex, id);
        var json = await jsonTask;
        var score = await scoreTask;
        return records.Read<Article>(json, Json, "article", $"{keys.FeedArticles} {id}") is { } article ? (article, (long)(score ?? 0)) : null;
    }

    /// <summary>Articles in the feed, newest first, published before sequence <paramref name="before"/> (exclusive).</summary>
    public async Task<IReadOnlyList<(Article Article, long Sequence)>> PageAsync(long? before, int limit)
    {
        var entries = await Db.SortedSetRangeByScoreWithScoresAsync(keys.FeedIndex,
            start: double.NegativeInfinity, stop: before ?? double.PositiveInfinity,
            exclude: before is null ? Exclude.None : Exclude.Stop, order: Order.Descending, take: limit);
        return await ReadAsync(entries);
    }

    /// <summary>Every article that is in the feed and pinned, newest first (kept by the append script).</summary>
    public async Task<IReadOnlyList<(Article Article, long Sequence)>> PinnedAsync(int limit = 20) =>
        await ReadAsync(await Db.SortedSetRangeByScoreWithScoresAsync(keys.FeedPinned, order: Order.Descending, take: limit));

    /// <summary>Every article the newsroom has (drafts and scheduled included), newest first.</summary>
    public async Task<IReadOnlyList<(Article Article, long Sequence)>> AllAsync()
    {
        var all = await Db.HashGetAllAsync(keys.FeedArticles);
        var index = (await Db.SortedSetRangeByRankWithScoresAsync(keys.FeedIndex)).ToDictionary(e => e.Element.ToString(), e => (long)e.Score);
        return all
            .Select(e => (Article: records.Read<Article>(e.Value, Json, "article", $"{keys.FeedArticles} {e.Name}"), Sequence: index.GetValueOrDefault(e.Name.ToString())))
            .Where(a => a.Article is not null)
            .Select(a => (a.Article!, a.Sequence))
            .OrderByDescending(a => a.Item1.UpdatedAt)
            .ToList();
    }

    /// <summary>
    /// The feed events after <paramref name="after"/>, oldest first, at most <paramref name="limit"/>, and the sequence
    /// they reach (an unreadable event is skipped, logged and counted, but still passed).
    /// </summary>
    public async Task<FeedEvents> EventsAfterAsync(long after, long? upTo, int limit, Func<StoredFeedEvent, long, FeedEvent> view)
    {
        var entries = await Db.SortedSetRangeByScoreWithScoresAsync(keys.FeedLog, start: after, stop: upTo ?? double.PositiveInfinity,
            exclude: Exclude.Start, take: limit);
        var events = new List<FeedEvent>(entries.Length);
        foreach (var entry in entries)
        {
            if (records.Read<StoredFeedEvent>(entry.Element, Json, "feed event", $"{keys.FeedLog} score {entry.Score}") is { } stored)
            {
                events.Add(view(stored, (long)entry.Score));
            }
        }
        return new FeedEvents(events, entries.Length == 0 ? after : (long)entries[^1].Score, entries.Length);
    }

    /// <summary>Whether the log still reaches back to just after <paramref name="after"/>.</summary>
    public async Task<bool> LogCoversAsync(long after)
    {
        var oldest = await Db.SortedSetRangeByRankWithScoresAsync(keys.FeedLog, 0, 0);
        return oldest.Length == 0 || (long)oldest[0].Score <= after + 1;
    }

    public async Task<long> LastSequenceAsync() => (long?)await Db.StringGetAsync(keys.FeedSequence) ?? 0;

    /// <summary>
    /// Gives back a sequence number taken for an event the log never got. KEYS: sequence, log. Returns how many were
    /// given back (0 when the counter is the newest event's, or the log is empty).
    /// </summary>
    private const string RepairSequenceScript = """
        local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
        local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
        if #newest == 0 then return 0 end
        local last = tonumber(newest[2])
        if seq <= last then return 0 end
        redis.call('SET', KEYS[1], last)
        return seq - last
        """;

    /// <summary>
    /// After the embedded store replayed its file from an unclean stop, which can keep the first writes of a change
    /// script and not the rest (Polls/PollRepair.cs): a sequence number the replay kept without its event (a publish
    /// that was never acknowledged) is given back, so the log has no gap and the next event follows the newest one.
    /// </summary>
    public async Task<long> RepairTornSequenceAsync()
    {
        var givenBack = (long)await Db.ScriptEvaluateAsync(RepairSequenceScript, [keys.FeedSequence, keys.FeedLog]);
        if (givenBack > 0)
        {
            await writeAcks.ConfirmAsync(keys.FeedSequence);
        }
        return givenBack;
    }

    public Task UnscheduleAsync(string id) => Db.SortedSetRemoveAsync(keys.FeedSchedule, id);

    /// <summary>Ids of scheduled articles whose time has come.</summary>
    public async Task<IReadOnlyList<string>> DueAsync(DateTime now)
    {
        var nowMs = UnixMs.Of(now);
        var due = await Db.SortedSetRangeByScoreWithScoresAsync(keys.FeedSchedule, stop: nowMs, take: 100);
        metrics.RecordScheduleLag("article", due.Length == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(nowMs - due[0].Score));
        return due.Select(e => e.Element.ToString()).ToList();
    }

    private async Task<IReadOnlyList<(Article Article, long Sequence)>> ReadAsync(SortedSetEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return [];
        }
        var values = await Db.HashGetAsync(keys.FeedArticles, entries.Select(e => e.Element).ToArray());
        return entries.Zip(values)
            .Select(p => (Article: records.Read<Article>(p.Second, Json, "article", $"{keys.FeedArticles} {p.First.Element}"), Sequence: (long)p.First.Score))
            .Where(p => p.Article is not null)
            .Select(p => (p.Article!, p.Sequence))
            .ToList();
    }
}
