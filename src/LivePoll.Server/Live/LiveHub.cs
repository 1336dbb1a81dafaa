using LivePoll.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Live;

/// <summary>
/// The one SignalR hub every page and client connects to (at <see cref="HubPaths.Live"/>).
/// Hub method names are the constants of <see cref="HubMethods"/>. Each capability adds its methods in a
/// part of its own folder (Polls/LiveHub.Polls.cs), with its services injected per method.
/// </summary>
public sealed partial class LiveHub(NodeInfo node, Feed.FeedRelay feedRelay, Polls.PollBroadcaster polls) : Hub<ILiveClient>
{
    [HubMethodName(HubMethods.GetServerInfo)]
    public ServerInfo GetServerInfo() => node.Describe();

    /// <summary>A connection that goes away stops following the feed and its polls on this node.</summary>
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        feedRelay.Unsubscribe(Context.ConnectionId);
        polls.Forget(Context);
        return base.OnDisconnectedAsync(exception);
    }
}
