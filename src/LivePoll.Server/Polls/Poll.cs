using LivePoll.Contracts;

namespace LivePoll.Server.Polls;

/// <summary>What the newsroom decided about a poll; stored as JSON in its meta hash and never changed by votes.</summary>
public sealed record PollDefinition
{
    public required string Id { get; init; }
    public required string Question { get; init; }
    public required IReadOnlyList<PollOptionDefinition> Options { get; init; }
    public int MaxChoices { get; init; } = 1;
    public bool AllowVoteChange { get; init; }
    public ResultVisibility ResultVisibility { get; init; } = ResultVisibility.Always;
    public DateTime? OpensAt { get; init; }
    public DateTime? ClosesAt { get; init; }
    public DateTime CreatedAt { get; init; }

    /// <summary>Made at creation: tells this poll from another made later under the same id after the store lost data.</summary>
    public string Epoch { get; init; } = "";
}

public sealed record PollOptionDefinition(string Id, string Text);

/// <summary>A poll as read from the store at one moment: its definition, state and counts.</summary>
public sealed record Poll(PollDefinition Definition, PollState State, DateTime? OpensAt, DateTime? ClosesAt,
    IReadOnlyDictionary<string, long> Counts, long TotalVoters, long Version)
{
    public string Id => Definition.Id;

    /// <summary>
    /// Whether a reader sees the counts: <paramref name="voted"/> says whether they voted here,
    /// <paramref name="newsroom"/> whether they are the newsroom (who always sees them).
    /// </summary>
    public bool ResultsVisibleTo(bool voted, bool newsroom) => newsroom || Definition.ResultVisibility switch
    {
        ResultVisibility.Always => true,
        ResultVisibility.AfterVote => voted || State == PollState.Closed,
        ResultVisibility.AfterClose => State == PollState.Closed,
        _ => false,
    };

    public PollSnapshot ToSnapshot(bool resultsVisible, IReadOnlyList<string>? yourChoices = null) => new()
    {
        PollId = Id,
        Question = Definition.Question,
        State = State,
        Version = Version,
        Epoch = Definition.Epoch,
        Options = Definition.Options
            .Select(o => new PollOptionView { Id = o.Id, Text = o.Text, Count = resultsVisible ? Counts.GetValueOrDefault(o.Id) : null })
            .ToList(),
        TotalVoters = resultsVisible ? TotalVoters : null,
        ResultsVisible = resultsVisible,
        ResultVisibility = Definition.ResultVisibility,
        MaxChoices = Definition.MaxChoices,
        AllowVoteChange = Definition.AllowVoteChange,
        OpensAt = OpensAt,
        ClosesAt = ClosesAt,
        YourChoices = yourChoices,
    };
}
