using System.Globalization;

namespace LivePoll.Server.Storage;

/// <summary>
/// Times as the store keeps them: whole milliseconds since 1970-01-01 UTC (sorted-set scores, hash fields, script
/// arguments). LivePoll's times are UTC; a time of unspecified kind is taken as UTC, never as the machine's local time.
/// </summary>
public static class UnixMs
{
    public static long Of(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? new DateTimeOffset(time) : new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))).ToUnixTimeMilliseconds();

    public static long Of(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    /// <summary>The milliseconds as the text a hash field or a script argument holds.</summary>
    public static string Text(DateTime time) => Of(time).ToString(CultureInfo.InvariantCulture);

    /// <summary>A UTC time from such a text; null for an empty or malformed one.</summary>
    public static DateTime? Parse(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime
            : null;
}

/// <summary>
/// Epochs: a random id made when a numbering (the feed's sequences, a poll's versions) begins in the store. A new one
/// means the store lost data and numbers began again, so clients compare numbers only within one epoch.
/// </summary>
public static class StoreEpoch
{
    public static string New() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
}
