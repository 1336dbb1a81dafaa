using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;

namespace LivePoll.Server.Polls;

/// <summary>One vote, the same over the hub and HTTP: checked voter, atomic count, metrics, and a snapshot due.</summary>
public sealed class PollVoting(PollStore store, PollBroadcaster broadcaster, LivePollMetrics metrics, TimeProvider clock)
{
    public async Task<VoteResult> VoteAsync(string pollId, Voter voter, IReadOnlyList<string> optionIds, string transport)
    {
        var result = voter.IsValid
            ? await store.VoteAsync(pollId, voter.Id!, optionIds, clock.GetUtcNow().UtcDateTime)
            : VoteResults.Create(VoteOutcome.InvalidVoter, pollId);
        metrics.RecordVote(result.Outcome, transport);
        if (result.Outcome is VoteOutcome.Accepted or VoteOutcome.Changed)
        {
            broadcaster.MarkDirty(pollId);
        }
        return result;
    }
}
