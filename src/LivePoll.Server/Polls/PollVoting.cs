using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;

namespace LivePoll.Server.Polls;

/// <summary>
/// One vote, the same over the hub and HTTP: checked voter, atomic count (in its poll's next batch), metrics. Readers
/// on every node see it at their node's next snapshot tick (<see cref="PollBroadcaster"/>). A store that does not
/// answer makes the vote <see cref="VoteOutcome.StoreUnavailable"/>, never an acknowledgement.
/// </summary>
public sealed class PollVoting(VoteBatcher batcher, LivePollMetrics metrics, VoteOrigins origins, PollStore store)
{
    /// <summary>Counts one vote; the client's <c>address</c> is kept only as its network's keyed hash, in the poll's audit record.</summary>
    public async Task<VoteResult> VoteAsync(string pollId, Voter voter, IReadOnlyList<string> optionIds, VoteTransport transport,
        System.Net.IPAddress? address, bool exempt = false)
    {
        using var activity = LivePollTracing.Source.StartActivity("vote");
        activity?.SetTag("livepoll.poll_id", pollId);
        activity?.SetTag("livepoll.transport", transport == VoteTransport.Hub ? "hub" : "http");
        VoteResult result;
        try
        {
            result = voter.IsValid
                ? await batcher.VoteAsync(pollId, voter.Id!, optionIds, await origins.DescribeAsync(address, transport, exempt))
                : VoteResults.Create(voter.Invalid ? VoteOutcome.InvalidVoter : VoteOutcome.VoterRequired, pollId);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Never acknowledged: the store did not confirm it. (If the script did run before the connection
            // dropped, the voter's retry answers AlreadyVoted, so nothing is counted twice.)
            result = VoteResults.Create(VoteOutcome.StoreUnavailable, pollId);
        }
        if (!voter.IsValid)
        {
            store.CountRefusal(pollId, result.Outcome.ToString());
        }
        metrics.RecordVote(result.Outcome, transport);
        activity?.SetTag("livepoll.vote.outcome", result.Outcome.ToString());
        return result;
    }
}
