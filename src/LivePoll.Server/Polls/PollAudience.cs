using LivePoll.Contracts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace LivePoll.Server.Polls;

/// <summary>
/// The connections on this node that follow one poll, each with the version it last received.
/// Guarantees, per connection: snapshots arrive with rising versions; after the poll stops changing the connection
/// ends on the newest snapshot it may see; a connection whose previous write has not finished is skipped and
/// caught up later with the newest snapshot, so a slow reader delays nobody, never blocks a tick, and never ends on
/// an old count. Readers who may see the counts (and the newsroom) get the newest snapshot at most once per
/// <see cref="Send"/> of their slice; blind readers (counts hidden from them) only when the poll's state changes.
/// Followers are dealt round-robin into <paramref name="slices"/> slices, which the broadcaster writes one after
/// another across its interval: a large audience is written in small bursts, not all at once.
/// Each snapshot is serialized once per protocol for all of this node's connections.
/// </summary>
internal sealed class PollAudience(string pollId, int slices)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Follower> _followers = new(StringComparer.Ordinal);
    private Follower[][] _bySlice = [.. Enumerable.Repeat(Array.Empty<Follower>(), slices)];
    private int _nextSlice;
    private bool _changed;
    private (PollState, DateTime?, DateTime?, bool)? _blindLook;
    private SerializedHubMessage? _counts;
    private SerializedHubMessage? _blind;
    private long _blindVersion = -1;

    public string PollId { get; } = pollId;

    /// <summary>The newest version of the poll this node has read (-1: none yet).</summary>
    public long Version { get; private set; } = -1;

    /// <summary>Whether the poll was open when this node last read it.</summary>
    public bool IsOpen { get; private set; }

    /// <summary>The epoch of the poll this node has read: versions compare only within one.</summary>
    public string Epoch { get; private set; } = "";

    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _followers.Count == 0;
            }
        }
    }

    /// <summary>
    /// Follows the poll on <paramref name="connection"/>, which has just been given the snapshot of
    /// <paramref name="version"/>; replaces what the connection followed before (e.g. blind, now with counts).
    /// </summary>
    public void Follow(HubConnectionContext connection, bool seesCounts, long version)
    {
        lock (_lock)
        {
            // A connection keeps its slice when it follows again (e.g. now seeing the counts), so it cannot get
            // two snapshots in one interval by moving.
            var slice = _followers.TryGetValue(connection.ConnectionId, out var earlier) ? earlier.Slice : _nextSlice++ % slices;
            _followers[connection.ConnectionId] = new Follower(connection, seesCounts, version, slice);
            _changed = true;
        }
    }

    /// <summary>Whether this connection follows the poll without seeing its counts.</summary>
    public bool IsBlind(string connectionId)
    {
        lock (_lock)
        {
            return _followers.TryGetValue(connectionId, out var follower) && !follower.SeesCounts;
        }
    }

    public void Unfollow(string connectionId)
    {
        lock (_lock)
        {
            _changed |= _followers.Remove(connectionId);
        }
    }

    /// <summary>Takes a newer reading of the poll: the next <see cref="Send"/> sends it to whoever is behind.</summary>
    public void Update(Poll poll)
    {
        if (poll.Version < Version || (Version >= 0 && poll.Definition.Epoch != Epoch))
        {
            // The store lost data and numbers anew (or the poll was made anew under its id): start over, or no snapshot
            // would ever look new again.
            _blindLook = null;
            foreach (var follower in Followers().SelectMany(slice => slice))
            {
                follower.SentVersion = -1;
            }
        }
        Version = poll.Version;
        Epoch = poll.Definition.Epoch;
        IsOpen = poll.State == PollState.Open;
        _counts = Message(poll.ToSnapshot(resultsVisible: true));
        var blindSnapshot = poll.ToSnapshot(poll.ResultsVisibleTo(voted: false, newsroom: false));
        var look = (blindSnapshot.State, blindSnapshot.OpensAt, blindSnapshot.ClosesAt, blindSnapshot.ResultsVisible);
        if (_blindLook != look)
        {
            _blindLook = look;
            _blind = Message(blindSnapshot);
            _blindVersion = poll.Version;
        }
    }

    /// <summary>
    /// Writes the newest snapshot to every connection of <paramref name="slice"/> (all of them when null) that is
    /// behind it and not still busy with an earlier write. Returns how many were written to, with and without counts,
    /// and how many were behind but passed over because their previous write had not completed.
    /// </summary>
    public (int Counts, int Blind, int Busy) Send(int? slice)
    {
        var bySlice = Followers();
        return slice is { } one ? SendTo(bySlice[one]) : bySlice.Aggregate((0, 0, 0), (sum, s) =>
        {
            var (counts, blind, busy) = SendTo(s);
            return (sum.Item1 + counts, sum.Item2 + blind, sum.Item3 + busy);
        });
    }

    private (int Counts, int Blind, int Busy) SendTo(Follower[] followers)
    {
        int counts = 0, blind = 0, busy = 0;
        foreach (var follower in followers)
        {
            var (message, version) = follower.SeesCounts ? (_counts, Version) : (_blind, _blindVersion);
            if (message is null || follower.SentVersion >= version)
            {
                continue;
            }
            if (follower.Pending is { IsCompleted: false })
            {
                busy++;
                continue;
            }
            follower.SentVersion = version;
            var write = follower.Connection.WriteAsync(message);
            follower.Pending = write.IsCompletedSuccessfully ? null : write.AsTask();
            if (follower.SeesCounts)
            {
                counts++;
            }
            else
            {
                blind++;
            }
        }
        return (counts, blind, busy);
    }

    private Follower[][] Followers()
    {
        lock (_lock)
        {
            if (_changed)
            {
                _bySlice = [.. Enumerable.Range(0, slices).Select(slice => _followers.Values.Where(f => f.Slice == slice).ToArray())];
                _changed = false;
            }
            return _bySlice;
        }
    }

    private static SerializedHubMessage Message(PollSnapshot snapshot) =>
        new(new InvocationMessage(ClientEvents.PollSnapshot, [snapshot]));

    /// <summary>
    /// One connection following the poll. Immutable but for what the broadcaster's sends note (the version sent and
    /// a write still under way), which only the broadcaster touches; a change of visibility is a new follower.
    /// </summary>
    private sealed class Follower(HubConnectionContext connection, bool seesCounts, long sentVersion, int slice)
    {
        public HubConnectionContext Connection { get; } = connection;

        public bool SeesCounts { get; } = seesCounts;

        public int Slice { get; } = slice;

        public long SentVersion { get; set; } = sentVersion;

        public Task? Pending { get; set; }
    }
}
