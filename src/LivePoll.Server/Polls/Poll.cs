using LivePoll.Contracts;

namespace LivePoll.Server.Polls;

/// <summary>What the newsroom decided about a poll; stored as JSON in its meta hash and never changed by votes.</summary>
public sealed record PollDefinition
{
    public required string Id { get; init; }
    public required string Question { get; init; }
    public PollKind Kind { get; init; } = PollKind.Choice;

    /// <summary>Quiz only: the quiz (several questions) this one belongs to.</summary>
    public string? Quiz { get; init; }
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

/// <summary>An option: for a quiz, <paramref name="Correct"/> says whether it is a right answer (never shown to readers before the reveal).</summary>
public sealed record PollOptionDefinition(string Id, string Text, bool Correct = false, string? ImageUrl = null, string? ImageAlt = null);

/// <summary>
/// A poll as read from the store at one moment: its definition, state and counts. <paramref name="Revealed"/>: the newsroom
/// revealed a quiz's answers. <paramref name="ShownWords"/>: a words poll's entries readers may see (approved), most first.
/// </summary>
public sealed record Poll(PollDefinition Definition, PollState State, DateTime? OpensAt, DateTime? ClosesAt,
    IReadOnlyDictionary<string, long> Counts, long TotalVoters, long Version, bool Revealed = false,
    IReadOnlyList<WordCount>? ShownWords = null)
{
    public string Id => Definition.Id;

    /// <summary>A quiz's correct answers are shown to everyone once revealed or closed.</summary>
    public bool AnswersRevealed => Definition.Kind == PollKind.Quiz && (Revealed || State == PollState.Closed);

    /// <summary>Rating: the mean value chosen (option ids are the values); null when nobody rated.</summary>
    public double? Average()
    {
        long sum = 0, voters = 0;
        foreach (var option in Definition.Options)
        {
            var count = Counts.GetValueOrDefault(option.Id);
            sum += count * int.Parse(option.Id, System.Globalization.CultureInfo.InvariantCulture);
            voters += count;
        }
        return voters == 0 ? null : Math.Round((double)sum / voters, 2);
    }

    /// <summary>Quiz: whether <paramref name="choices"/> (a voter's) is a right answer.</summary>
    public bool IsRight(IReadOnlyList<string> choices) => Definition.Options.Any(o => o.Correct && choices.Contains(o.Id));

    /// <summary>Quiz: voters who chose a correct option (one choice each).</summary>
    public long RightVoters() => Definition.Options.Where(o => o.Correct).Sum(o => Counts.GetValueOrDefault(o.Id));

    /// <summary>
    /// Ranking: an option's mean place (1 = first) from its Borda points: with n options a place p earns n − p points, so the
    /// mean place is n − points / voters. Null when nobody ranked.
    /// </summary>
    public double? AveragePosition(string optionId) => TotalVoters == 0 ? null
        : Math.Round(Definition.Options.Count - (double)Counts.GetValueOrDefault(optionId) / TotalVoters, 2);

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

    /// <summary>
    /// The poll as one reader sees it. A quiz's correct answers are in it once revealed, or with <paramref name="answers"/>
    /// (the newsroom's own views: the desk; never a broadcast, a page or an export).
    /// </summary>
    public PollSnapshot ToSnapshot(bool resultsVisible, IReadOnlyList<string>? yourChoices = null, bool answers = false)
    {
        var kind = Definition.Kind;
        var showCorrect = kind == PollKind.Quiz && (answers || AnswersRevealed);
        return new()
        {
            PollId = Id,
            Question = Definition.Question,
            Kind = kind,
            State = State,
            Version = Version,
            Epoch = Definition.Epoch,
            Options = Definition.Options
                .Select(o => new PollOptionView
                {
                    Id = o.Id,
                    Text = o.Text,
                    Count = resultsVisible ? Counts.GetValueOrDefault(o.Id) : null,
                    ImageUrl = o.ImageUrl,
                    ImageAlt = o.ImageAlt,
                    Correct = showCorrect ? o.Correct : null,
                    AveragePosition = resultsVisible && kind == PollKind.Ranking ? AveragePosition(o.Id) : null,
                })
                .ToList(),
            AnswersRevealed = AnswersRevealed,
            Quiz = Definition.Quiz,
            RightVoters = resultsVisible && showCorrect ? RightVoters() : null,
            Average = resultsVisible && kind == PollKind.Rating ? Average() : null,
            Words = kind == PollKind.Words
                ? (ShownWords ?? []).Select(w => resultsVisible ? w : w with { Count = null }).ToList()
                : null,
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
}
