namespace LivePoll.Server.Live;

/// <summary>
/// Work that every node does on a timer (coalesced snapshots, scheduled polls and articles). A tick that
/// fails because the store is away is reported and the next tick tries again; the loop ends with the host.
/// </summary>
public abstract class PeriodicService(TimeSpan interval, TimeProvider clock) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    protected abstract Task TickAsync(CancellationToken stoppingToken);

    /// <summary>A tick failed (the store was away, or anything else went wrong); the next tick tries again.</summary>
    protected abstract void OnStoreError(Exception error);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Whatever failed (the store, or a record no reader expected), the service goes on: one bad tick must
                    // not end the host's background work.
                    OnStoreError(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
