namespace LivePoll.Server.Feed;

/// <summary>
/// Day headings of the feed in the newsroom's time zone, in kk, ru or en: "Бүгін" / "Кеше" / "03 желтоқсан",
/// "Сегодня" / "Вчера" / "03 декабря", "Today" / "Yesterday" / "03 December": the words of the one source of texts the
/// pages use too (<see cref="Texts.TextCatalog"/>).
/// </summary>
public sealed class FeedDays(TimeZoneInfo zone)
{
    public static readonly IReadOnlyList<string> Languages = Texts.TextCatalog.Languages;

    public TimeZoneInfo Zone => zone;

    /// <summary>The calendar day of <paramref name="utc"/> in the newsroom's time zone.</summary>
    public DateOnly DayOf(DateTime utc) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone));

    public string Label(DateOnly day, DateTime nowUtc, string language)
    {
        language = Normalize(language);
        var today = DayOf(nowUtc);
        if (day == today)
        {
            return Texts.TextCatalog.Get(language, "today");
        }
        if (day == today.AddDays(-1))
        {
            return Texts.TextCatalog.Get(language, "yesterday");
        }
        return $"{day.Day:00} {Texts.TextCatalog.Month(language, day.Month)}";
    }

    /// <summary>The language to use: the requested one when known, else kk.</summary>
    public static string Normalize(string? language) => Texts.TextCatalog.Normalize(language);
}
