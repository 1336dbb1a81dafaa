using LivePoll.Contracts;
using LivePoll.Server.Live;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Polls;

/// <summary>
/// Opens and closes polls at their scheduled times. Every node runs it; the store script lets exactly one
/// node apply (and announce) each change. Votes never wait for it: the vote script checks the times itself.
/// </summary>
public sealed class PollScheduler(PollStore store, PollBroadcaster broadcaster, IOptions<PollOptions> options,
    TimeProvider clock, ILogger<PollScheduler> logger)
    : PeriodicService(TimeSpan.FromMilliseconds(options.Value.ScheduleCheckIntervalMs), clock)
{
    protected override async Task TickAsync(CancellationToken stoppingToken)
    {
        foreach (var pollId in await store.ApplyDueScheduleAsync(Clock.GetUtcNow().UtcDateTime))
        {
            PollLog.ScheduleApplied(logger, pollId);
            await broadcaster.PublishStateChangeAsync(pollId);
        }
    }

    protected override void OnStoreError(Exception error) => PollLog.ScheduleCheckFailed(logger, error.Message);
}

internal static partial class PollLog
{
    [LoggerMessage(2001, LogLevel.Warning, "Could not send the snapshot of poll {PollId}; retrying next tick: {Message}")]
    public static partial void SnapshotFailed(ILogger logger, string pollId, string message);

    [LoggerMessage(2002, LogLevel.Information, "Poll {PollId} opened or closed on schedule.")]
    public static partial void ScheduleApplied(ILogger logger, string pollId);

    [LoggerMessage(2003, LogLevel.Warning, "Could not check scheduled poll changes; retrying: {Message}")]
    public static partial void ScheduleCheckFailed(ILogger logger, string message);

    [LoggerMessage(2004, LogLevel.Information, "Opened the demo poll {PollId} with the seed page's counts.")]
    public static partial void DemoPollSeeded(ILogger logger, string pollId);
}

/// <summary>On the embedded store, opens the seed page's poll with its counts so a newcomer sees a live poll at once.</summary>
public sealed class PollDemoData(PollStore store, Storage.StoreConnection connection, IOptions<PollOptions> options,
    TimeProvider clock, ILogger<PollDemoData> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!connection.IsEmbedded || !options.Value.SeedDemoData || (await store.ListAsync(clock.GetUtcNow().UtcDateTime, 1)).Count > 0)
        {
            return;
        }
        var id = await store.NextIdAsync();
        await store.CreateAsync(
            new PollDefinition
            {
                Id = id,
                Question = "Бір уақыт белдеуіне ауысу сізге қалай әсер етті?",
                Options =
                [
                    new("1", "Оң. Олар жақсы ұйықтай бастады."),
                    new("2", "Теріс. Мен бірдей жұмыс көлемін нашар басқарамын. Қыста мен күнді әрең көрдім."),
                    new("3", "Мен айырмашылықты мүлдем байқамадым."),
                ],
                ResultVisibility = ResultVisibility.Always,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            },
            new Dictionary<string, long> { ["1"] = 347, ["2"] = 2184, ["3"] = 73 });
        PollLog.DemoPollSeeded(logger, id);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
