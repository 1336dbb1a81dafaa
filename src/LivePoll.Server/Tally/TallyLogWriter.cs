using System.Diagnostics;
using LivePoll.Contracts;
using LivePoll.Server.Polls;
using LivePoll.Server.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Tally;

/// <summary>
/// Extends every poll's tally log in the background and signs its heads. The store's Lua has no SHA-256 and a vote
/// must not wait for hashing, so the log trails the audit list by one round (<see cref="TallyOptions.AppendIntervalMs"/>):
/// one node at a time per poll holds a lease and reads the audit records past the log's cursor into leaves, appended by a
/// compare-and-set script; then, at most every <see cref="TallyOptions.HeadIntervalMs"/> while the log grows and once when
/// the poll has closed and every counted answer is in, it signs a head over the whole log.
/// A node that dies holding the lease only delays the log until the lease runs out (<see cref="TallyOptions.LeaseSeconds"/>);
/// the next writer carries on from the stored cursor. A writer that lost its lease without knowing appends nothing (the
/// script sees the cursor moved), and a head is only kept when it passes the newest one, so the log never forks.
/// With Redis:AckAfterReplicas a head is signed only after the replicas hold the leaves it covers.
/// </summary>
internal sealed partial class TallyLogWriter(PollStore polls, TallyLog log, TallySigner signer, VoteReceipts receipts,
    IConnectionMultiplexer redis, RedisKeys keys, Live.NodeInfo node, WriteAcks writeAcks, IOptions<TallyOptions> options,
    TimeProvider clock, Diagnostics.LivePollMetrics metrics, ILogger<TallyLogWriter> logger) : BackgroundService
{
    private const int AuditPage = 1024;
    private const int PagesPerRound = 16;

    // Per poll, when this node last signed a head of it.
    private readonly Dictionary<string, long> _lastHead = new(StringComparer.Ordinal);

    // Per poll, when the oldest answer this node logged since its last head was counted (Unix ms): the inclusion delay.
    private readonly Dictionary<string, long> _oldestUnsigned = new(StringComparer.Ordinal);

    // Polls closed with a final head: looked at again only every FinishedRecheck rounds (one could be reopened).
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);
    private const int FinishedRecheck = 20;
    private long _round;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.AppendIntervalMs));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RoundAsync(stoppingToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException && !stoppingToken.IsCancellationRequested)
            {
                // The store is away: the next round carries on where the log stands.
                LogRoundFailed(logger, e.Message);
            }
        }
    }

    /// <summary>One pass over every poll.</summary>
    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var recheck = ++_round % FinishedRecheck == 0;
        foreach (var id in await db.SortedSetRangeByRankAsync(keys.PollIndex))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pollId = id.ToString();
            if (recheck || !_finished.Contains(pollId))
            {
                await StepAsync(pollId);
            }
        }
    }

    /// <summary>Extends and signs one poll's log as far as it can now.</summary>
    internal async Task StepAsync(string pollId)
    {
        var db = redis.GetDatabase();
        var auditLength = db.ListLengthAsync(keys.PollAudit(pollId));
        var cursorValue = db.StringGetAsync(keys.PollLogCursor(pollId));
        var recountNotes = db.ListLengthAsync(keys.PollLogRecounts(pollId));
        var leaves = log.SizeAsync(pollId);
        var mark = log.HeadMarkAsync(pollId);
        if (await polls.GetAsync(pollId, clock.GetUtcNow().UtcDateTime) is not { } poll)
        {
            return;
        }
        var cursor = LogCursor.Parse(await cursorValue);
        var audit = await auditLength;
        var recounts = await recountNotes;
        var (headSize, headFinal) = await mark;
        var closed = poll.State == PollState.Closed;
        var needsAppend = audit > cursor.Audit || recounts > cursor.Recounts;
        var needsHead = await leaves > headSize || (closed && !headFinal);
        if (!needsAppend && !needsHead)
        {
            if (closed && headFinal)
            {
                _finished.Add(pollId);
            }
            return;
        }
        _finished.Remove(pollId);
        if ((int)await db.ScriptEvaluateAsync(TallyScripts.Lease, [keys.PollLogLease(pollId)],
                [node.Name, options.Value.LeaseSeconds * 1000]) != 1)
        {
            return;
        }

        if (needsAppend && !await AppendAsync(poll, cursor, audit))
        {
            return;
        }
        await writeAcks.ConfirmAsync(keys.PollLogLeaves(pollId));

        // Final once the poll is closed and the log holds every record the audit list has.
        var now = Stopwatch.GetTimestamp();
        var after = LogCursor.Parse(await db.StringGetAsync(keys.PollLogCursor(pollId)));
        var final = closed && after.Audit == await db.ListLengthAsync(keys.PollAudit(pollId))
            && after.Recounts == await db.ListLengthAsync(keys.PollLogRecounts(pollId));
        var due = final || !_lastHead.TryGetValue(pollId, out var last)
            || Stopwatch.GetElapsedTime(last, now).TotalMilliseconds >= options.Value.HeadIntervalMs;
        if (!due)
        {
            return;
        }
        var unsigned = await log.WithLeavesAsync(pollId, view =>
        {
            var counts = poll.Definition.Options.ToDictionary(o => o.Id, _ => 0L, StringComparer.Ordinal);
            foreach (var (option, count) in view.Counts)
            {
                counts[option] = count;
            }
            return new TallyHead
            {
                PollId = pollId,
                Size = view.Hashes.Count,
                Root = Convert.ToHexStringLower(view.Root()),
                Voters = view.Voters,
                Counts = counts,
                At = clock.GetUtcNow().ToUnixTimeMilliseconds(),
                Final = final,
                KeyId = "",
                Signature = "",
            };
        });
        if (unsigned.Size < headSize || (unsigned.Size == headSize && (!final || headFinal)))
        {
            return;
        }
        var head = await signer.SignAsync(unsigned);
        var kept = (int)await db.ScriptEvaluateAsync(TallyScripts.AddHead,
            [keys.PollLogHeads(pollId), keys.PollLogHeadMark(pollId), keys.PollLogLeaves(pollId)],
            [head.Size, final ? 1 : 0, System.Text.Json.JsonSerializer.Serialize(head)]);
        if (kept == 1)
        {
            _lastHead[pollId] = now;
            if (_oldestUnsigned.Remove(pollId, out var oldest))
            {
                metrics.RecordTallyInclusionDelay(TimeSpan.FromMilliseconds(head.At - oldest));
            }
            await writeAcks.ConfirmAsync(keys.PollLogHeads(pollId));
        }
    }

    /// <summary>
    /// Reads the audit records and recount notes past the cursor into leaves, in the order they happened: the records
    /// counted before a recount, its leaf, then the records after it. False when another writer moved the log first.
    /// </summary>
    private async Task<bool> AppendAsync(Poll poll, LogCursor cursor, long audit)
    {
        var db = redis.GetDatabase();
        var pollId = poll.Id;
        using var hmac = VoteReceipts.NewHmac(await receipts.KeyAsync());
        var notes = (await db.ListRangeAsync(keys.PollLogRecounts(pollId), cursor.Recounts, -1)).Select(n => RecountNote.Parse(n.ToString())).ToList();
        var next = 0;
        for (var page = 0; page < PagesPerRound; page++)
        {
            var note = next < notes.Count ? notes[next] : null;
            var limit = note is null ? audit : Math.Min(audit, note.AuditLength);
            List<RedisValue> args;
            var appended = new List<(string Text, TallyLeaf Leaf)>();
            LogCursor moved;
            if (cursor.Audit < limit)
            {
                var records = await db.ListRangeAsync(keys.PollAudit(pollId), cursor.Audit, Math.Min(limit, cursor.Audit + AuditPage) - 1);
                if (records.Length == 0)
                {
                    return true;
                }
                moved = cursor with { Audit = cursor.Audit + records.Length };
                args = [cursor.Audit, cursor.Recounts, moved.Audit, moved.Recounts];
                foreach (var line in records)
                {
                    if (AuditRecord.TryParse(line.ToString(), out var record)
                        && TallyLeaves.Of(pollId, record, poll.Definition.Kind, poll.Definition.MaxChoices,
                            VoteReceipts.Of(hmac, pollId, record.Voter, record.AtMs, record.Choices, record.Previous)) is { } leaf)
                    {
                        var text = TallyLeaves.Text(leaf);
                        appended.Add((text, leaf));
                        args.Add(text);
                        args.Add(leaf.Receipt);
                        _oldestUnsigned.TryAdd(pollId, record.AtMs);
                    }
                }
            }
            else if (note is not null && cursor.Audit == note.AuditLength)
            {
                // Every record counted before the recount is in the log: its leaf is what it changed against the log's sums.
                var (sums, voters) = await log.WithLeavesAsync(pollId, view => (new Dictionary<string, long>(view.Counts), view.Voters));
                var leaf = TallyLeaves.Recount(pollId, note.Reason, note.Counts, note.Voters, sums, voters, clock.GetUtcNow());
                moved = cursor with { Recounts = cursor.Recounts + 1 };
                var text = TallyLeaves.Text(leaf);
                appended.Add((text, leaf));
                args = [cursor.Audit, cursor.Recounts, moved.Audit, moved.Recounts, text, ""];
                next++;
            }
            else
            {
                // Caught up, or a recount noted after this round read the audit list's length: the next round goes on.
                return true;
            }
            var written = (long)await db.ScriptEvaluateAsync(TallyScripts.Append,
                [keys.PollLogCursor(pollId), keys.PollLogLeaves(pollId), keys.PollLogReceipts(pollId)], [.. args]);
            if (written == -2)
            {
                LogStoreLostLeaves(logger, pollId);
            }
            if (written < 0)
            {
                return false;
            }
            await log.AppendedAsync(pollId, written - appended.Count, appended);
            cursor = moved;
        }
        return true;
    }

    /// <summary>Where the log stands: audit records and recount notes read ("audit leaves recounts" in the store).</summary>
    private sealed record LogCursor(long Audit, long Recounts)
    {
        public static LogCursor Parse(RedisValue value)
        {
            var parts = value.IsNullOrEmpty ? [] : value.ToString().Split(' ');
            return parts.Length == 3
                ? new LogCursor(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture))
                : new LogCursor(0, 0);
        }
    }

    /// <summary>A recount's note (<see cref="RedisKeys.PollLogRecounts"/>): "auditLength voters reason option count option count…".</summary>
    private sealed record RecountNote(long AuditLength, long Voters, string Reason, Dictionary<string, long> Counts)
    {
        public static RecountNote Parse(string note)
        {
            var fields = note.Split(' ');
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var i = 3; i + 1 < fields.Length; i += 2)
            {
                counts[fields[i]] = long.Parse(fields[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            }
            return new RecountNote(long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), fields[2], counts);
        }
    }

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Poll {PollId}'s tally log holds fewer leaves than its cursor says: the store lost data. "
        + "The log cannot grow without contradicting heads it signed; restore the store from a backup.")]
    private static partial void LogStoreLostLeaves(ILogger logger, string pollId);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "The tally log could not be extended this round ({Reason}); it carries on at the next.")]
    private static partial void LogRoundFailed(ILogger logger, string reason);
}
