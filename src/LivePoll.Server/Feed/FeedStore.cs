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
public enum ArticleChangeOutcome
{
    /// <summary>Stored as the next version (with its feed event, if any).</summary>
    Stored,

    /// <summary>The article changed since the version the change was made from: nothing was written.</summary>
    Stale,

    /// <summary>The idempotency key was used already: nothing was written; <see cref="ArticleChange.Replay"/> says by what.</summary>
    Replayed,
}

/// <summary>
/// What became of a change: the article as stored and the feed sequence of its event (0 without one); the current
/// version when stale; the key's "article id|fingerprint" when replayed.
/// </summary>
public sealed record ArticleChange(ArticleChangeOutcome Outcome, Article? Article, long Sequence, int Version, string? Replay);

/// <summary>Where the feed stands: epoch, last sequence, and the stored event at a sequence asked about (null: gone).</summary>
/// <summary>Events read from the log: the readable ones, the sequence the read reached, and how many entries it read.</summary>
public sealed record FeedEvents(IReadOnlyList<FeedEvent> Events, long Through, int Read);

public sealed record FeedPosition(string Epoch, long LastSequence, string? EventAt);

public sealed class FeedStore(IConnectionMultiplexer redis, RedisKeys keys, StoredRecords records, WriteAcks writeAcks,
    Diagnostics.LivePollMetrics metrics)
{
    /// <summary>How many events the log keeps; a reader further behind reloads the page instead of catching up.</summary>
    public const int LogLength = 10_000;

    internal static readonly JsonSerializerOptions Json = CreateJson();

    // Every change of an article, in one script so that nothing changes between the check and the write.
    // KEYS: seq, log, articles, index, schedule, pinned, versions, idempotency key, epoch.
    // ARGV: 1 article id, 2 the version the change was made from, 3 event JSON ('' for an article not in the feed:
    // no event), 4 article JSON (at version + 1), 5 index action (add | remove | keep), 6 log length, 7 '1' if pinned
    // and in the feed, 8 schedule time in ms ('' for none), 9 '1' to claim the idempotency key, 10 its value, 11 an epoch
    // to begin with if the feed has none (a new or wiped store).
    // Returns { feed sequence (0 without an event), new version } or { -1, current version } when the article changed
    // since, or { -2, the key's value } when the idempotency key was used already.
    private const string ChangeScript = """
        if ARGV[9] == '1' then
          local prior = redis.call('GET', KEYS[8])
          if prior then return { -2, prior } end
        end
        local current = tonumber(redis.call('HGET', KEYS[7], ARGV[1]) or '0')
        if current ~= tonumber(ARGV[2]) then return { -1, tostring(current) } end
        if ARGV[9] == '1' then redis.call('SET', KEYS[8], ARGV[10], 'EX', 86400) end
        redis.call('SET', KEYS[9], ARGV[11], 'NX')
        redis.call('HSET', KEYS[7], ARGV[1], current + 1)
        redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
        local seq = 0
        if ARGV[3] ~= '' then
          seq = redis.call('INCR', KEYS[1])
          redis.call('ZADD', KEYS[2], seq, ARGV[3])
          if ARGV[5] == 'add' then redis.call('ZADD', KEYS[4], seq, ARGV[1])
          elseif ARGV[5] == 'remove' then redis.call('ZREM', KEYS[4], ARGV[1]) end
          local published = redis.call('ZSCORE', KEYS[4], ARGV[1])
          if ARGV[7] == '1' and published then redis.call('ZADD', KEYS[6], published, ARGV[1])
          else redis.call('ZREM', KEYS[6], ARGV[1]) end
          redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -1 - tonumber(ARGV[6]))
        end
        if ARGV[8] ~= '' then redis.call('ZADD', KEYS[5], ARGV[8], ARGV[1])
        else redis.call('ZREM', KEYS[5], ARGV[1]) end
        return { seq, tostring(current + 1) }
        """;

    // Where the feed stands: its epoch (begun here if it has none), its last sequence number, and the stored event at a
    // sequence the caller delivered (to tell whether the store still has it). KEYS: epoch, seq, log. ARGV: a new epoch,
    // the delivered sequence (0: none).
    private const string PositionScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'NX')
        local at = tonumber(ARGV[2])
        local delivered = false
        if at > 0 then delivered = redis.call('ZRANGEBYSCORE', KEYS[3], at, at)[1] or false end
        return { redis.call('GET', KEYS[1]), tonumber(redis.call('GET', KEYS[2]) or '0'), delivered }
        """;

    // Begins a new epoch unless someone already did. KEYS: epoch. ARGV: the epoch the caller knew, the new one.
    private const string RenewEpochScript = """
        local current = redis.call('GET', KEYS[1])
        if current == false or current == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]); return ARGV[2] end
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
