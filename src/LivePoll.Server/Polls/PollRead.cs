namespace LivePoll.Server.Polls;

/// <summary>
/// What one atomic read of a poll found: the poll (when newer than asked), or only its version in the store (when
/// not), or no such poll.
/// </summary>
public readonly record struct PollRead(Poll? Poll, bool Exists, long Version)
{
    public static PollRead Missing => new(null, Exists: false, -1);
}

/// <summary>One vote for a batch: who, which options, and where it came from (for the audit: the hashed network and the transport, "3f2a…|hub").</summary>
public readonly record struct BallotRequest(string VoterId, IReadOnlyList<string> OptionIds, string Origin = "");
