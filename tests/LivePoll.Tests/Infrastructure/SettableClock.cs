namespace LivePoll.Tests.Infrastructure;

/// <summary>The system clock moved to a chosen moment; timers still tick in real time.</summary>
public sealed class SettableClock : TimeProvider
{
    private TimeSpan _offset;

    public void Set(DateTimeOffset now) => _offset = now - DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + _offset;
}
