using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>
/// A reader subscribed to a poll: keeps every snapshot's version and arrival time, so the run can tell when
/// each acknowledged vote first reached this reader. Resubscribes after a reconnect.
/// </summary>
internal sealed class PollReader
{
    private readonly List<(long Version, long At)> _seen = new(1024);
    private long _highest = -1;

    private PollReader(HubConnection connection) => Connection = connection;

    public HubConnection Connection { get; }

    public long Snapshots { get; private set; }

    public static async Task<PollReader> StartAsync(Target target, int index, string pollId, RunMeter meter, CancellationToken cancellationToken)
    {
        var connection = await target.ConnectAsync(index, meter, cancellationToken);
        var reader = new PollReader(connection);
        connection.On<PollSnapshot>(ClientEvents.PollSnapshot, snapshot =>
        {
            reader.Seen(snapshot.Version);
            Interlocked.Increment(ref meter.Snapshots);
        });
        connection.Reconnected += async _ =>
        {
            try
            {
                reader.Seen((await connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, pollId)).Version);
            }
            catch (Exception ex)
            {
                meter.Error(ex);
            }
        };
        reader.Seen((await connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, pollId, cancellationToken)).Version);
        return reader;
    }

    /// <summary>When this reader first held a snapshot with version ≥ <paramref name="version"/>, or null if it never did.</summary>
    public long? FirstHolding(long version)
    {
        lock (_seen)
        {
            int lo = 0, hi = _seen.Count - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) / 2;
                if (_seen[mid].Version >= version)
                {
                    found = mid;
                    hi = mid - 1;
                }
                else
                {
                    lo = mid + 1;
                }
            }
            return found < 0 ? null : _seen[found].At;
        }
    }

    private void Seen(long version)
    {
        lock (_seen)
        {
            Snapshots++;
            // Only rising versions matter; an older snapshot arriving late is dropped, as a page would.
            if (version > _highest)
            {
                _highest = version;
                _seen.Add((version, Latency.Now));
            }
        }
    }
}
