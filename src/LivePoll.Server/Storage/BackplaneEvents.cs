using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// What happens to the SignalR backplane's own connection. Messages published while a node's backplane
/// subscription is down are gone for that node's clients (pub/sub keeps nothing), so parts that send live
/// state listen for <see cref="SubscriptionRestored"/> and send it again.
/// </summary>
public sealed class BackplaneEvents
{
    /// <summary>Raised (on a thread-pool thread) when the backplane's subscription connection is back.</summary>
    public event Action? SubscriptionRestored;

    internal void Watch(IConnectionMultiplexer backplane) =>
        backplane.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                SubscriptionRestored?.Invoke();
            }
        };
}
