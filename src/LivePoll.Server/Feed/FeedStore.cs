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
public sealed class FeedStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    /// <summary>How many events the log keeps; a reader further behind reloads the page instead of catching up.</summary>
    public const int LogLength = 10_000;

    internal static readonly JsonSerializerOptions Json = CreateJson();

    // KEYS: seq, log, articles, index, schedule, pinned. ARGV: article id, event JSON, article JSON,
    // index action (add | remove | keep), '1' to apply only if the article is still in the schedule,
    // log length, '1' if the article is pinned and in the feed.
    private const string AppendScript = """
        if ARGV[5] == '1' and redis.call('ZREM', KEYS[5], ARGV[1]) == 0 then return 0 end
        local seq = redis.call('INCR', KEYS[1])
        redis.call('ZADD', KEYS[2], seq, ARGV[2])
        redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
        if ARGV[4] == 'add' then redis.call('ZADD', KEYS[4], seq, ARGV[1])
        elseif ARGV[4] == 'remove' then redis.call('ZREM', KEYS[4], ARGV[1]) end
        local published = redis.call('ZSCORE', KEYS[4], ARGV[1])
        if ARGV[7] == '1' and published then redis.call('ZADD', KEYS[6], published, ARGV[1])
        else redis.call('ZREM', KEYS[6], ARGV[1]) end
        redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -1 - tonumber(ARGV[6]))
        return seq
        """;

    private IDatabase Db => redis.GetDatabase();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WireFormats.Configure(options);
        return options;
    }

    public async Task<string> NextIdAsync() =>
        "a" + (await Db.StringIncrementAsync(keys.ArticleSequence)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Records a change as the next feed event; returns its sequence number, or 0 when
    /// <paramref name="onlyIfScheduled"/> and another node already published it.
    /// </summary>
    public async Task<long> AppendAsync(FeedEventKind kind, Article article, long articleSequence, DateTime at, bool onlyIfScheduled = false)
    {
        var indexAction = kind switch
        {
            FeedEventKind.Published => "add",
            FeedEventKind.Retracted => "remove",
            _ => "keep",
        };
        var stored = new StoredFeedEvent(kind, at, article, articleSequence, Guid.NewGuid().ToString("N"));
        var result = await Db.ScriptEvaluateAsync(AppendScript,
            [keys.FeedSequence, keys.FeedLog, keys.FeedArticles, keys.FeedIndex, keys.FeedSchedule, keys.FeedPinned],
            [article.Id, JsonSerializer.Serialize(stored, Json), JsonSerializer.Serialize(article, Json), indexAction,
                onlyIfScheduled ? "1" : "0", LogLength, article.Pinned && kind != FeedEventKind.Retracted ? "1" : "0"]);
        return (long)result;
    }

    /// <summary>Stores an article that is not in the feed yet (draft or scheduled); no event, no sequence.</summary>
    public async Task SaveUnpublishedAsync(Article article)
    {
        await Db.HashSetAsync(keys.FeedArticles, article.Id, JsonSerializer.Serialize(article, Json));
        if (article.State == ArticleState.Scheduled && article.PublishAt is { } at)
        {
            await Db.SortedSetAddAsync(keys.FeedSchedule, article.Id, new DateTimeOffset(at).ToUnixTimeMilliseconds());
        }
        else
        {
            await Db.SortedSetRemoveAsync(keys.FeedSchedule, article.Id);
        }
    }

    /// <summary>The article and the sequence it was published at (0 if not in the feed), or null.</summary>
    public async Task<(Article Article, long Sequence)?> GetAsync(string id)
    {
        var jsonTask = Db.HashGetAsync(keys.FeedArticles, id);
        var scoreTask = Db.SortedSetScoreAsync(keys.FeedIndex, id);
        var json = await jsonTask;
        var score = await scoreTask;
        return json.IsNullOrEmpty ? null : (JsonSerializer.Deserialize<Article>(json.ToString(), Json)!, (long)(score ?? 0));
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
            .Select(e => (Article: JsonSerializer.Deserialize<Article>(e.Value.ToString(), Json)!, Sequence: index.GetValueOrDefault(e.Name.ToString())))
            .OrderByDescending(a => a.Article.UpdatedAt)
            .ToList();
    }

    /// <summary>The feed events after <paramref name="after"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<FeedEvent>> EventsAfterAsync(long after, long? upTo, int limit, Func<StoredFeedEvent, long, FeedEvent> view)
    {
        var entries = await Db.SortedSetRangeByScoreWithScoresAsync(keys.FeedLog, start: after, stop: upTo ?? double.PositiveInfinity,
            exclude: Exclude.Start, take: limit);
        return entries.Select(e => view(JsonSerializer.Deserialize<StoredFeedEvent>(e.Element.ToString(), Json)!, (long)e.Score)).ToList();
    }

    /// <summary>Whether the log still reaches back to just after <paramref name="after"/>.</summary>
    public async Task<bool> LogCoversAsync(long after)
    {
        var oldest = await Db.SortedSetRangeByRankWithScoresAsync(keys.FeedLog, 0, 0);
        return oldest.Length == 0 || (long)oldest[0].Score <= after + 1;
    }

    public async Task<long> LastSequenceAsync() => (long?)await Db.StringGetAsync(keys.FeedSequence) ?? 0;

    /// <summary>Ids of scheduled articles whose time has come.</summary>
    public async Task<IReadOnlyList<string>> DueAsync(DateTime now) =>
        (await Db.SortedSetRangeByScoreAsync(keys.FeedSchedule, stop: new DateTimeOffset(now).ToUnixTimeMilliseconds(), take: 100))
            .Select(v => v.ToString()).ToList();

    private async Task<IReadOnlyList<(Article Article, long Sequence)>> ReadAsync(SortedSetEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return [];
        }
        var values = await Db.HashGetAsync(keys.FeedArticles, entries.Select(e => e.Element).ToArray());
        return entries.Zip(values)
            .Where(p => !p.Second.IsNullOrEmpty)
            .Select(p => (JsonSerializer.Deserialize<Article>(p.Second.ToString(), Json)!, (long)p.First.Score))
            .ToList();
    }
}
