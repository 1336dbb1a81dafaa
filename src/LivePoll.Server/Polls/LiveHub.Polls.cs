using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Polls;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Live;

/// <summary>Poll methods of the live hub: subscribe to live results, vote.</summary>
public sealed partial class LiveHub
{
    [HubMethodName(HubMethods.SubscribePoll)]
    public async Task<PollSnapshot> SubscribePoll(string pollId, PollStore polls, PollBroadcaster broadcaster, TimeProvider clock)
    {
        PollRequests.EnsureValidId(pollId);
        var voter = VoterMiddleware.Get(Context.GetHttpContext());
        var choices = voter.IsValid ? await polls.GetChoicesAsync(pollId, voter.Id!) : null;
        var poll = await polls.GetAsync(pollId, clock.GetUtcNow().UtcDateTime)
            ?? throw new HubException($"There is no poll with id '{pollId}'.");

        // Newsroom connections (wall screens, the desk) see the counts whatever the poll shows readers.
        var newsroom = NewsroomRoles.IsNewsroom(Context.User);
        var visible = poll.ResultsVisibleTo(choices is not null, newsroom);
        // From here on the broadcaster sends this connection every snapshot newer than the one returned: no gap.
        broadcaster.Follow(Context, pollId, visible, poll.Version);
        return poll.ToSnapshot(visible, choices);
    }

    [HubMethodName(HubMethods.UnsubscribePoll)]
    public void UnsubscribePoll(string pollId, PollBroadcaster broadcaster)
    {
        PollRequests.EnsureValidId(pollId);
        broadcaster.Unfollow(Context, pollId);
    }

    [HubMethodName(HubMethods.Vote)]
    public async Task<VoteResult> Vote(VoteRequest request, PollVoting voting, PollStore polls, VoterTokens tokens,
        PollBroadcaster broadcaster, TimeProvider clock, Abuse.AbuseLimiter limiter)
    {
        var pollId = request?.PollId ?? throw new HubException("Send a vote as { pollId, optionIds: [...] } (a words poll: { pollId, text }).");
        PollRequests.EnsureValidId(pollId);
        var (choices, problem) = PollRequests.Choices(request);
        var optionIds = choices ?? throw new HubException(problem);

        var voter = request.VoterToken is null
            ? VoterMiddleware.Get(Context.GetHttpContext())
            : await tokens.ValidateVoterAsync(request.VoterToken);
        var result = await voting.VoteAsync(pollId, voter, optionIds, Diagnostics.VoteTransport.Hub, Context.GetHttpContext()?.Connection.RemoteIpAddress,
            exempt: !limiter.AppliesTo(Context.User));

        // A reader who could not see the results until they voted now may.
        if (request.VoterToken is null
            && result.Outcome is VoteOutcome.Accepted or VoteOutcome.Changed or VoteOutcome.AlreadyVoted
            && broadcaster.IsBlind(Context, pollId))
        {
            var poll = await polls.GetAsync(pollId, clock.GetUtcNow().UtcDateTime);
            if (poll is not null && poll.ResultsVisibleTo(voted: true, newsroom: false))
            {
                broadcaster.Follow(Context, pollId, seesCounts: true, poll.Version);
                await Clients.Caller.PollSnapshot(poll.ToSnapshot(resultsVisible: true, result.Choices));
            }
        }
        return result;
    }
}
