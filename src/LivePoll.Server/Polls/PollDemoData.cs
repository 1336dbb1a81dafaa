using LivePoll.Contracts;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Polls;

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
