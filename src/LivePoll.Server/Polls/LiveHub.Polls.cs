using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Polls;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Live;

/// <summary>Poll methods of the live hub: subscribe to live results, vote.</summary>
public sealed partial class LiveHub
{
    private static readonly object BlindPollsKey = new();

    [HubMethodName(HubMethods.SubscribePoll)]
    public async Task<PollSnapshot> SubscribePoll(string pollId, PollStore polls, PollBroadcaster broadcaster, TimeProvider clock)
    {
        PollRequests.EnsureValidId(pollId);
        var voter = VoterMiddleware.Get(Context.GetHttpContext());
        var choices = voter.IsValid ? await polls.GetChoicesAsync(pollId, voter.Id!) : null;
        var poll = await polls.GetAsync(pollId, clock.GetUtcNow().UtcDateTime)
            ?? throw new HubException($"There is no poll with id '{pollId}'.");

        // Join first, then read what to return: a snapshot sent in between is at worst a duplicate the
        // client drops by version, never a gap.
        // Newsroom connections (wall screens, the desk) see the counts whatever the poll shows readers.
        var newsroom = Context.User is { } user && (user.IsInRole(NewsroomRoles.Editor) || user.IsInRole(NewsroomRoles.Screen));
        var visible = poll.ResultsVisibleTo(choices is not null, newsroom);
        await JoinPollGroupAsync(pollId, visible);
        broadcaster.Followed(pollId);
        poll = await polls.GetAsync(pollId, clock.GetUtcNow().UtcDateTime) ?? poll;
        return poll.ToSnapshot(poll.ResultsVisibleTo(choices is not null, newsroom), choices);
    }

    [HubMethodName(HubMethods.UnsubscribePoll)]
    public async Task UnsubscribePoll(string pollId)
    {
        PollRequests.EnsureValidId(pollId);
        BlindPolls.Remove(pollId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, PollGroups.Results(pollId));
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, PollGroups.Blind(pollId));
    }

    [HubMethodName(HubMethods.Vote)]
    public async Task<VoteResult> Vote(VoteRequest request, PollVoting voting, PollStore polls, VoterTokens tokens, TimeProvider clock)
    {
        var pollId = request?.PollId ?? throw new HubException("Send a vote as { pollId, optionIds: [...] }.");
        PollRequests.EnsureValidId(pollId);
        var optionIds = PollRequests.ValidOptionIds(request.OptionIds) ?? throw new HubException(PollRequests.OptionIdsMessage);

        var voter = request.VoterToken is null
            ? VoterMiddleware.Get(Context.GetHttpContext())
            : await tokens.ValidateVoterAsync(request.VoterToken);
        var result = await voting.VoteAsync(pollId, voter, optionIds, Diagnostics.VoteTransport.Hub);

        // A reader who could not see the results until they voted now may.
        if (request.VoterToken is null
            && result.Outcome is VoteOutcome.Accepted or VoteOutcome.Changed or VoteOutcome.AlreadyVoted
            && BlindPolls.Contains(pollId))
        {
            var poll = await polls.GetAsync(pollId, clock.GetUtcNow().UtcDateTime);
            if (poll is not null && poll.ResultsVisibleTo(voted: true, newsroom: false))
            {
                await JoinPollGroupAsync(pollId, visible: true);
                await Clients.Caller.PollSnapshot(poll.ToSnapshot(resultsVisible: true, result.Choices));
            }
        }
        return result;
    }

    private HashSet<string> BlindPolls =>
        (HashSet<string>)(Context.Items.TryGetValue(BlindPollsKey, out var set) ? set! : Context.Items[BlindPollsKey] = new HashSet<string>());

    private async Task JoinPollGroupAsync(string pollId, bool visible)
    {
        var (join, leave) = visible
            ? (PollGroups.Results(pollId), PollGroups.Blind(pollId))
            : (PollGroups.Blind(pollId), PollGroups.Results(pollId));
        await Groups.AddToGroupAsync(Context.ConnectionId, join);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, leave);
        if (visible)
        {
            BlindPolls.Remove(pollId);
        }
        else
        {
            BlindPolls.Add(pollId);
        }
    }
}
