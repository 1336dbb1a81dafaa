namespace LivePoll.Server.Polls;

/// <summary>
/// SignalR groups of a poll's subscribers. Each subscriber is in exactly one: <c>results</c> when the poll
/// shows it counts, <c>blind</c> when its visibility hides them from that reader, so counts never reach a
/// connection that may not see them.
/// </summary>
internal static class PollGroups
{
    public static string Results(string pollId) => $"poll:{pollId}:results";

    public static string Blind(string pollId) => $"poll:{pollId}:blind";
}
