using System.Globalization;

namespace LivePoll.Server.Feed;

/// <summary>
/// Day headings of the feed in the newsroom's time zone, in kk, ru or en: "Бүгін" / "Кеше" / "03 желтоқсан",
/// "Сегодня" / "Вчера" / "03 декабря", "Today" / "Yesterday" / "03 December".
/// </summary>
public sealed class FeedDays(TimeZoneInfo zone)
{
    public static readonly IReadOnlyList<string> Languages = ["kk", "ru", "en"];

    private static readonly Dictionary<string, (string Today, string Yesterday, CultureInfo Culture)> Words = new()
    {
        ["kk"] = ("Бүгін", "Кеше", CultureInfo.GetCultureInfo("kk-KZ")),
        ["ru"] = ("Сегодня", "Вчера", CultureInfo.GetCultureInfo("ru-RU")),
        ["en"] = ("Today", "Yesterday", CultureInfo.GetCultureInfo("en-GB")),
    };

    public TimeZoneInfo Zone => zone;

    /// <summary>The calendar day of <paramref name="utc"/> in the newsroom's time zone.</summary>
    public DateOnly DayOf(DateTime utc) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone));

    public string Label(DateOnly day, DateTime nowUtc, string language)
    {
        var words = Words.GetValueOrDefault(language, Words["kk"]);
        var today = DayOf(nowUtc);
        if (day == today)
        {
            return words.Today;
        }
        if (day == today.AddDays(-1))
        {
            return words.Yesterday;
        }
        return day.ToString("dd MMMM", words.Culture);
    }

    /// <summary>The language to use: the requested one when known, else kk.</summary>
    public static string Normalize(string? language) =>
        language is not null && Languages.Contains(language.ToLowerInvariant()) ? language.ToLowerInvariant() : "kk";
}
