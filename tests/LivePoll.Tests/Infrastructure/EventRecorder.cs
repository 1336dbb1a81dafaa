using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.Tests.Infrastructure;

/// <summary>Collects the events of one kind a hub connection receives, in arrival order.</summary>
public sealed class EventRecorder<T>
{
    private readonly List<T> _events = [];

    public EventRecorder(HubConnection connection, string eventName) => connection.On<T>(eventName, e =>
    {
        lock (_events)
        {
            _events.Add(e);
        }
    });

    public IReadOnlyList<T> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    public Task WaitForAsync(Func<T, bool> condition, string what) =>
        TimeoutExtensions.WaitUntilAsync(() => Task.FromResult(Events.Any(condition)), what);
}
