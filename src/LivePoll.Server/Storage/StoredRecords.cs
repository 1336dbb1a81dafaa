using System.Text.Json;
using LivePoll.Server.Diagnostics;
using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// Reads records (JSON) from the store without letting one malformed record (a hand edit, a bug of an older version, a
/// partial restore) stop a background service or fail a whole list: it is logged with where it is, counted in
/// <c>livepoll_bad_records_total{kind}</c>, and skipped.
/// </summary>
public sealed class StoredRecords(LivePollMetrics metrics, ILogger<StoredRecords> logger)
{
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
        StoreLog.BadRecord(logger, kind, where, why);
    }

    private T? Bad<T>(string kind, string where, string why) where T : class
    {
        Report(kind, where, why);
        return null;
    }
}
