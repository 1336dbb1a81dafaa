using LivePoll.Contracts;

namespace LivePoll.Server.Polls;

/// <summary>Vote results with the sentence a person reads.</summary>
public static class VoteResults
{
    public static VoteResult Create(VoteOutcome outcome, string pollId, IReadOnlyList<string>? choices = null,
        IReadOnlyList<string>? previous = null, long? version = null) => new()
    {
        Outcome = outcome,
        PollId = pollId,
        Choices = choices,
        PreviousChoices = previous,
        Version = version,
        Message = outcome switch
        {
            VoteOutcome.Accepted => "Your vote was counted.",
            VoteOutcome.Changed => "Your vote was changed.",
            VoteOutcome.AlreadyVoted => $"You have already voted in this poll (your choice: {string.Join(", ", choices ?? [])}).",
            VoteOutcome.PollClosed => "This poll is not taking votes: it is closed or not open yet.",
            VoteOutcome.UnknownPoll => $"There is no poll with id '{pollId}'.",
            VoteOutcome.UnknownOption => "Choose among this poll's options, each at most once (for a rating: one value of its scale; for a words poll send text, not optionIds; text only goes to a words poll).",
            VoteOutcome.InvalidChoiceCount => "Choose at least one option, and no more than this poll allows (a ranking lists every option once).",
            VoteOutcome.InvalidVoter => "Your voter id is missing or invalid. Reload the page, or get a new token from POST /api/voters.",
            VoteOutcome.StoreUnavailable => "Votes cannot be counted at this moment, so your vote was not confirmed. Please try again in a few seconds.",
            VoteOutcome.Held => "Your vote was received and is held for the newsroom's review: it is not counted for now.",
            VoteOutcome.VoterRequired => "A voter identity is required to vote: reload the page, or solve GET /api/voters/challenge and send the solution to POST /api/voters.",
            _ => outcome.ToString(),
        },
    };
}
