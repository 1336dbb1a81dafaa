using LivePoll.Server.Feed;

namespace LivePoll.Tests.Feed;

public sealed class FeedDaysUnitTests
{
    private static readonly FeedDays Almaty = new(TimeZoneInfo.FindSystemTimeZoneById("Asia/Almaty"));

    [Theory]
    [InlineData("kk", "Бүгін", "Кеше", "02 желтоқсан", "03 желтоқсан")]
    [InlineData("ru", "Сегодня", "Вчера", "02 декабря", "03 декабря")]
    [InlineData("en", "Today", "Yesterday", "02 December", "03 December")]
    public void Items_at_23_30_and_00_30_in_Almaty_fall_on_different_days_with_labels_in_each_language(
        string language, string today, string yesterday, string dec2, string dec3)
    {
        var lateEvening = Utc(2025, 12, 2, 23, 30);
        var afterMidnight = Utc(2025, 12, 3, 0, 30);
        Assert.Equal(new DateOnly(2025, 12, 2), Almaty.DayOf(lateEvening));
        Assert.Equal(new DateOnly(2025, 12, 3), Almaty.DayOf(afterMidnight));

        var nextMorning = Utc(2025, 12, 3, 9, 0);
        Assert.Equal(today, Almaty.Label(Almaty.DayOf(afterMidnight), nextMorning, language));
        Assert.Equal(yesterday, Almaty.Label(Almaty.DayOf(lateEvening), nextMorning, language));

        var daysLater = Utc(2025, 12, 6, 9, 0);
        Assert.Equal(dec3, Almaty.Label(Almaty.DayOf(afterMidnight), daysLater, language));
        Assert.Equal(dec2, Almaty.Label(Almaty.DayOf(lateEvening), daysLater, language));
    }

    [Fact]
    public void An_unknown_language_falls_back_to_Kazakh() => Assert.Equal("kk", FeedDays.Normalize("de"));

    /// <summary>A wall-clock time in Almaty (UTC+5) as UTC.</summary>
    private static DateTime Utc(int year, int month, int day, int hour, int minute) =>
        new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.FromHours(5)).UtcDateTime;
}
