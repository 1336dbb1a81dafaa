using System.Globalization;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Feed;
using LivePoll.Server.Storage;
using StackExchange.Redis;

namespace LivePoll.Server.Tips;

/// <summary>Readers' tips in the store: never readable by readers, only by the newsroom.</summary>
public sealed class TipStore(IConnectionMultiplexer redis, RedisKeys keys, StoredRecords records, WriteAcks writeAcks)
{
    private IDatabase Db => redis.GetDatabase();

    public async Task<Tip> AddAsync(TipInput input, DateTime now)
    {
        var tip = new Tip
        {
            Id = "t" + (await Db.StringIncrementAsync(keys.TipSequence)).ToString(CultureInfo.InvariantCulture),
            Text = input.Text!.Trim(),
            Name = string.IsNullOrWhiteSpace(input.Name) ? null : input.Name.Trim(),
            Contact = string.IsNullOrWhiteSpace(input.Contact) ? null : input.Contact.Trim(),
            Link = string.IsNullOrWhiteSpace(input.Link) ? null : input.Link.Trim(),
            CreditConsent = input.CreditConsent ?? false,
            ReceivedAt = now,
            Handled = false,
        };
        await WriteAsync(tip);
        await Db.SortedSetAddAsync(keys.TipIndex, tip.Id, UnixMs.Of(now));
        await writeAcks.ConfirmAsync(keys.Tips);
        return tip;
    }

    public async Task SaveAsync(Tip tip)
    {
        await WriteAsync(tip);
        await writeAcks.ConfirmAsync(keys.Tips);
    }

    private Task WriteAsync(Tip tip) => Db.HashSetAsync(keys.Tips, tip.Id, JsonSerializer.Serialize(tip, FeedStore.Json));

    public async Task<Tip?> GetAsync(string id)
    {
        var json = await Db.HashGetAsync(keys.Tips, id);
        return records.Read<Tip>(json, FeedStore.Json, "tip", $"{keys.Tips} {id}");
    }

    /// <summary>The newest tips first; <paramref name="handled"/> filters when given.</summary>
    public async Task<IReadOnlyList<Tip>> ListAsync(bool? handled, int limit)
    {
        var ids = await Db.SortedSetRangeByRankAsync(keys.TipIndex, 0, 999, Order.Descending);
        if (ids.Length == 0)
        {
            return [];
        }
        var values = await Db.HashGetAsync(keys.Tips, ids);
        return ids.Zip(values)
            .Select(p => records.Read<Tip>(p.Second, FeedStore.Json, "tip", $"{keys.Tips} {p.First}"))
            .OfType<Tip>()
            .Where(t => handled is null || t.Handled == handled)
            .Take(limit)
            .ToList();
    }
}
