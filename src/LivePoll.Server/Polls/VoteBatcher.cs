using System.Collections.Concurrent;
using System.Diagnostics;
using LivePoll.Contracts;
using LivePoll.Server.Diagnostics;

namespace LivePoll.Server.Polls;

/// <summary>
/// Group commit for votes. Each poll has at most one batch at the store at a time; the votes that arrive for it
/// meanwhile wait and go together in the next batch, one script call for all of them. A lone vote goes at once
/// (no timer, no added wait); under a surge one round trip carries up to <see cref="MaxBatch"/> votes, which
/// cuts the server's and the store's cost per vote. Every vote is still answered only after the store has
/// answered for it: an acknowledged vote is a counted vote. A batch the store fails fails each of its votes.
/// </summary>
public sealed class VoteBatcher(PollStore store, TimeProvider clock, SnapshotTraces traces)
{
    /// <summary>The most votes one script call carries; larger gatherings go as several calls, pipelined.</summary>
    public const int MaxBatch = 256;

    private readonly ConcurrentDictionary<string, Lane> _lanes = new();

    /// <summary>Counts one vote with the next batch of its poll; completes when the store has answered.</summary>
    public Task<VoteResult> VoteAsync(string pollId, string voterId, IReadOnlyList<string> optionIds, string origin = "")
    {
        var vote = new PendingVote(new BallotRequest(voterId, optionIds, origin));
        while (!_lanes.GetOrAdd(pollId, static (id, owner) => new Lane(owner, id), this).TryAdd(vote))
        {
            // That lane had just drained and retired; the next lookup makes a fresh one.
        }
        return vote.Task;
    }

    /// <summary>The votes of one poll: those waiting, and whether a batch is at the store.</summary>
    private sealed class Lane(VoteBatcher owner, string pollId)
    {
        private readonly Lock _lock = new();
        private List<PendingVote> _waiting = [];
        private bool _sending;
        private bool _retired;

        public bool TryAdd(PendingVote vote)
        {
            lock (_lock)
            {
                if (_retired)
                {
                    return false;
                }
                _waiting.Add(vote);
                if (_sending)
                {
                    return true;
                }
                _sending = true;
            }
            // This caller starts the sending loop; it runs on this thread until its first await (the store call).
            _ = SendAsync();
            return true;
        }

        private async Task SendAsync()
        {
            while (true)
            {
                List<PendingVote> batch;
                lock (_lock)
                {
                    if (_waiting.Count == 0)
                    {
                        // Drained: retire, so a poll nobody votes in keeps no lane (ids come from clients).
                        _sending = false;
                        _retired = true;
                        owner._lanes.TryRemove(new KeyValuePair<string, Lane>(pollId, this));
                        return;
                    }
                    batch = _waiting;
                    _waiting = [];
                }

                if (batch.Count <= MaxBatch)
                {
                    await CountAsync(batch);
                }
                else
                {
                    await Task.WhenAll(batch.Chunk(MaxBatch).Select(CountAsync));
                }
            }
        }

        private async Task CountAsync(IReadOnlyList<PendingVote> votes)
        {
            using var activity = StartBatchActivity(votes, pollId);
            try
            {
                var ballots = new BallotRequest[votes.Count];
                for (var i = 0; i < ballots.Length; i++)
                {
                    ballots[i] = votes[i].Ballot;
                }
                var results = await owner.StoreVoteAsync(pollId, ballots);
                if (activity is not null)
                {
                    // The snapshot that first carries this version to readers here continues the trace.
                    var version = results.Max(r => r.Version ?? -1);
                    activity.SetTag("livepoll.poll.version", version);
                    owner.RecordBatchTrace(pollId, version, activity.Context);
                }
                for (var i = 0; i < votes.Count; i++)
                {
                    votes[i].TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                // The store did not answer (or answered with an error): none of these votes is acknowledged.
                foreach (var vote in votes)
                {
                    vote.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>
    /// The store call of a batch, as a child of its first traced vote and linked to every traced vote it carries; null
    /// (and nothing allocated) when nobody listens or none of its votes is traced.
    /// </summary>
    private static Activity? StartBatchActivity(IReadOnlyList<PendingVote> votes, string pollId)
    {
        if (!LivePollTracing.Source.HasListeners())
        {
            return null;
        }
        List<ActivityLink>? links = null;
        foreach (var vote in votes)
        {
            if (vote.Trace != default)
            {
                (links ??= []).Add(new ActivityLink(vote.Trace));
            }
        }
        if (links is null)
        {
            return null;
        }
        var activity = LivePollTracing.Source.StartActivity("store vote batch", ActivityKind.Client, links[0].Context, links: links);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", "EVALSHA");
        activity?.SetTag("livepoll.poll_id", pollId);
        activity?.SetTag("livepoll.batch.size", votes.Count);
        return activity;
    }

    private void RecordBatchTrace(string pollId, long version, ActivityContext batch) => traces.Add(pollId, version, batch);

    private Task<VoteResult[]> StoreVoteAsync(string pollId, BallotRequest[] ballots) =>
        store.VoteBatchAsync(pollId, ballots, clock.GetUtcNow().UtcDateTime);

    /// <summary>A vote waiting for its batch's answer; its caller continues on the thread pool, not on the store's thread.</summary>
    private sealed class PendingVote(BallotRequest ballot) : TaskCompletionSource<VoteResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public BallotRequest Ballot { get; } = ballot;

        /// <summary>The vote's own trace (its <c>vote</c> activity), or default when it is not traced.</summary>
        public ActivityContext Trace { get; } = Activity.Current?.Context ?? default;
    }
}
