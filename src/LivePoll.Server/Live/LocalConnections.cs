using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Live;

/// <summary>
/// This node's own hub connections, by connection id. Parts that fan out high-rate updates (poll snapshots, feed
/// events) write to these directly, one serialized message per protocol for all of them, instead of sending
/// through the backplane, which would carry every message to every node. Kept up to date by
/// <see cref="LocalConnectionsLifetimeManager"/>.
/// </summary>
public sealed class LocalConnections
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    /// <summary>The connection with this id on this node, or null when it is elsewhere or gone.</summary>
    public HubConnectionContext? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    internal void Add(HubConnectionContext connection) => _connections[connection.ConnectionId] = connection;

    internal void Remove(HubConnectionContext connection) => _connections.TryRemove(connection.ConnectionId, out _);
}

internal static class LocalConnectionsExtensions
{
    /// <summary>Records this node's connections for node-local sends, in front of the backplane's lifetime manager.</summary>
    public static ISignalRServerBuilder AddLocalConnections(this ISignalRServerBuilder signalR)
    {
        signalR.Services.AddSingleton<LocalConnections>();
        signalR.Services.AddSingleton<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisHubLifetimeManager<LiveHub>>();
        signalR.Services.AddSingleton<HubLifetimeManager<LiveHub>, LocalConnectionsLifetimeManager>();
        return signalR;
    }
}
