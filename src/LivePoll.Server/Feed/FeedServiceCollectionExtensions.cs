using LivePoll.Server.Newsroom;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Feed;

internal static class FeedServiceCollectionExtensions
{
    /// <summary>The live feed: store, newsroom operations, the relay that delivers events in order, schedules, demo data.</summary>
    public static IServiceCollection AddFeed(this IServiceCollection services)
    {
        services.AddOptions<NewsroomOptions>().BindConfiguration(NewsroomOptions.Section)
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _),
                "Newsroom:TimeZone must be an IANA time zone id such as Asia/Almaty.")
            .Validate(o => Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out _),
                "Newsroom:PublicBaseUrl must be an absolute URL such as https://news.example.kz.")
            .ValidateOnStart();
        services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.Section)
            .Validate(o => o.RelayPollMs is >= 50 and <= 60_000, "Feed:RelayPollMs must be 50 to 60000.")
            .Validate(o => o.ScheduleCheckIntervalMs is >= 50 and <= 60_000, "Feed:ScheduleCheckIntervalMs must be 50 to 60000.")
            .ValidateOnStart();

        services.AddSingleton(sp => new FeedDays(TimeZoneInfo.FindSystemTimeZoneById(sp.GetRequiredService<IOptions<NewsroomOptions>>().Value.TimeZone)));
        services.AddSingleton<FeedStore>();
        services.AddSingleton<ArticleViews>();
        services.AddSingleton<FeedService>();
        services.AddSingleton<FeedRelay>();
        // First: a sequence number a crash left without its event is given back before the relay reads the position.
        services.AddHostedService<FeedRepair>();
        services.AddHostedService(sp => sp.GetRequiredService<FeedRelay>());
        services.AddHostedService<FeedScheduler>();
        services.AddHostedService<FeedDemoData>();
        return services;
    }
}
