namespace LivePoll.Server.Storage;

internal static partial class StoreLog
{
    [LoggerMessage(1001, LogLevel.Information, "No Redis configured (Redis:Configuration is empty): started embedded Garnet on {Endpoint}. Data lasts as long as this process.")]
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

    [LoggerMessage(1006, LogLevel.Warning, "The store reported an error: {Message}")]
    public static partial void StoreError(ILogger logger, string message);
}
