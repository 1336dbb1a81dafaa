using System.Text.Json;
using LivePoll.Server.Diagnostics;
using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// Reads records (JSON) from the store without letting one malformed record (a hand edit, a bug of an older version, a
/// partial restore) stop a background service or fail a whole list: it is counted in <c>livepoll_bad_records_total{kind}</c>
/// every time it is met, logged with where it is at most once an hour (a record behind a public page is read on every
/// request: the log must not grow with them), and skipped.
/// </summary>
public sealed class StoredRecords(LivePollMetrics metrics, ILogger<StoredRecords> logger, TimeProvider clock)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromHours(1);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _logged = new(StringComparer.Ordinal);

    /// <summary>The record, or null when it is missing or unreadable (logged and counted).</summary>
    public T? Read<T>(RedisValue json, JsonSerializerOptions options, string kind, string where) where T : class
    {
        if (json.IsNullOrEmpty)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>(json.ToString(), options) ?? Bad<T>(kind, where, "it is null");
        }
        catch (JsonException e)
        {
            return Bad<T>(kind, where, e.Message);
        }
    }

    /// <summary>Reports a record that cannot be used, e.g. a schedule entry in no known form.</summary>
    public void Report(string kind, string where, string why)
    {
        metrics.RecordBadRecord(kind);
        var now = clock.GetUtcNow();
        if (_logged.Count >= 10_000)
        {
            _logged.Clear();
        }
        var last = _logged.GetValueOrDefault(where, DateTimeOffset.MinValue);
        if (now - last >= Quiet && _logged.TryUpdate(where, now, last) | _logged.TryAdd(where, now))
        {
            StoreLog.BadRecord(logger, kind, where, why);
        }
    }

    private T? Bad<T>(string kind, string where, string why) where T : class
    {
        Report(kind, where, why);
        return null;
    }
}
