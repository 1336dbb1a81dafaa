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
