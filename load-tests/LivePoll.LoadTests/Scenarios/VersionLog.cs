using LivePoll.LoadTests.Measurement;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>
/// The poll versions one reader came to hold, with when, so the run can tell when each acknowledged vote first
/// reached it. Only rising versions are kept: an older snapshot arriving late is dropped, as a page would.
/// </summary>
internal sealed class VersionLog
{
    private readonly List<(long Version, long At)> _seen = new(1024);
    private long _highest = -1;

    public long Snapshots { get; private set; }

    /// <summary>When this reader first held the poll (its subscription's answer), or null before that.</summary>
    public long? FirstAt
    {
        get
        {
            lock (_seen)
            {
                return _seen.Count == 0 ? null : _seen[0].At;
            }
        }
    }

    public void Seen(long version)
    {
        lock (_seen)
        {
            Snapshots++;
            if (version > _highest)
            {
                _highest = version;
                _seen.Add((version, Latency.Now));
            }
        }
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
}
