using LivePoll.Server.Storage;

namespace LivePoll.Server.Polls;

/// <summary>
/// Before the node serves anyone, after the embedded store replayed its append-only file (the last stop was not a clean
/// one): repairs polls whose last vote batch the replay kept only part of. Garnet 2.2 can replay the first writes of a
/// script whose end the file never got, even in its transaction mode (reproduced with load-tests/garnet-torn-script.sh);
/// such a batch was never acknowledged, so the poll is counted again from its audit records (<see cref="PollStore.RepairTornBatchesAsync"/>).
/// </summary>
public sealed class PollRepair(StoreConnection connection, PollStore store, ILogger<PollRepair> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (connection.Recovery is not { ReplayedRecords: > 0 })
        {
            return;
        }
        var repaired = await store.RepairTornBatchesAsync();
        if (repaired.Count > 0)
        {
            PollLog.TornBatchesRepaired(logger, repaired.Count, string.Join(", ", repaired));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
