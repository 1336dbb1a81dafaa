using LivePoll.Contracts;

namespace LivePoll.Server.Feed;

/// <summary>Where the feed stands: epoch, last sequence, and the stored event at a sequence asked about (null: gone).</summary>
public sealed record FeedPosition(string Epoch, long LastSequence, string? EventAt);

/// <summary>Events read from the log: the readable ones, the sequence the read reached, and how many entries it read.</summary>
public sealed record FeedEvents(IReadOnlyList<FeedEvent> Events, long Through, int Read);
