using LivePoll.Contracts;
using LivePoll.Server.Feed;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Live;

/// <summary>Feed methods of the live hub.</summary>
public sealed partial class LiveHub
{
    [HubMethodName(HubMethods.SubscribeFeed)]
    public Task<FeedCatchUp> SubscribeFeed(long? afterSequence)
    {
        if (afterSequence < 0)
        {
            throw new HubException("afterSequence is a feed sequence number (0 or more), or null for none.");
        }
        return feedRelay.SubscribeAsync(Context, afterSequence);
    }
}
