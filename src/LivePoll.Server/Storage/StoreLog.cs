namespace LivePoll.Server.Storage;

internal static partial class StoreLog
{
    [LoggerMessage(1001, LogLevel.Information, "No Redis configured (Redis:Configuration is empty): started embedded Garnet on {Endpoint} in memory only (Store:Embedded:Persist=false): its data lasts as long as this process.")]
    public static partial void EmbeddedStoreStarted(ILogger logger, string endpoint);

    [LoggerMessage(1002, LogLevel.Information, "Using Redis at {Endpoint}.")]
    public static partial void UsingRedis(ILogger logger, string endpoint);

    [LoggerMessage(1003, LogLevel.Warning, "The store at {Endpoint} is not reachable ({FailureType}: {Message}). LivePoll keeps retrying; readiness reports not ready until it answers.")]
    public static partial void ConnectionFailed(ILogger logger, string endpoint, string failureType, string message);

    [LoggerMessage(1004, LogLevel.Information, "The store at {Endpoint} is reachable again.")]
    public static partial void ConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(1005, LogLevel.Information, "Stopping embedded Garnet on {Endpoint}.")]
    public static partial void EmbeddedStoreStopping(ILogger logger, string endpoint);

    [LoggerMessage(1007, LogLevel.Error, "Skipped an unreadable {Kind} in the store at {Where}: {Why}. Fix or delete that record; everything else goes on.")]
    public static partial void BadRecord(ILogger logger, string kind, string where, string why);

    [LoggerMessage(1008, LogLevel.Information, "No Redis configured (Redis:Configuration is empty): started embedded Garnet on {Endpoint}, keeping its data in {DataDirectory}. A write is answered only after its append-only file holds it.")]
    public static partial void EmbeddedStoreStartedOnDisk(ILogger logger, string endpoint, string dataDirectory);

    [LoggerMessage(1009, LogLevel.Information, "The data folder {DataDirectory} held no store yet: starting empty.")]
    public static partial void EmbeddedStoreNew(ILogger logger, string dataDirectory);

    [LoggerMessage(1010, LogLevel.Information, "Recovered the embedded store from {DataDirectory}: {Keys} keys, {Records} append-only-file records replayed after the last checkpoint, in {ElapsedMs} ms.")]
    public static partial void EmbeddedStoreRecovered(ILogger logger, string dataDirectory, long keys, long records, long elapsedMs);

    [LoggerMessage(1011, LogLevel.Warning, "The append-only file in {DataDirectory} ended in a torn or unreadable record (a crash during a write, or a damaged disk): the store was recovered up to the last complete commit and starts with that. What came after it had not reached the disk in full, and a write is answered only once it has: unless the disk itself damaged the file, none of it was answered as done. Garnet said: {Detail}")]
    public static partial void EmbeddedStoreTornTail(ILogger logger, string dataDirectory, string detail);

    [LoggerMessage(1012, LogLevel.Error, "The data folder {DataDirectory} holds an append-only file or checkpoint, but nothing was recovered from it: the store starts EMPTY. Stop the server and restore a backup (--restore) if this is not expected.")]
    public static partial void EmbeddedStoreRecoveredNothing(ILogger logger, string dataDirectory);

    [LoggerMessage(1013, LogLevel.Information, "Took a checkpoint of the embedded store in {DataDirectory} in {ElapsedMs} ms.")]
    public static partial void EmbeddedStoreCheckpointed(ILogger logger, string dataDirectory, long elapsedMs);

    [LoggerMessage(1014, LogLevel.Warning, "Could not take a checkpoint of the embedded store in {DataDirectory} ({Message}): the next start replays the append-only file instead, which is slower but loses nothing.")]
    public static partial void EmbeddedStoreCheckpointFailed(ILogger logger, string dataDirectory, string message);

    [LoggerMessage(EventId = 1015, Message = "Garnet ({Category}): {Message}")]
    public static partial void GarnetSaid(ILogger logger, LogLevel level, string category, string message);

    [LoggerMessage(1006, LogLevel.Warning, "The store reported an error: {Message}")]
    public static partial void StoreError(ILogger logger, string message);
}
