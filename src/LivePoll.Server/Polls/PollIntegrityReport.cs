using System.Globalization;
using System.Text;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using StackExchange.Redis;

namespace LivePoll.Server.Polls;

/// <summary>
/// Reads a poll's audit list (one record per counted vote, written by the vote script itself) into what the desk
/// shows: votes per minute, the networks with the largest shares, transports, and a verdict line; and the CSV/JSON
/// exports. Reads the stream in pages of 5,000, so a poll of a million votes takes a few seconds, on demand only.
/// </summary>
public sealed class PollIntegrityReport(IConnectionMultiplexer redis, RedisKeys keys, PollStore store)
{
    /// <summary>Above this share of all votes, one network is called out in the verdict.</summary>
    public const double NotableShare = 0.02;

    private const int Page = 5_000;

    public async Task<PollIntegrity> BuildAsync(Poll poll)
    {
        var perMinute = new SortedDictionary<long, long>();
        var networks = new Dictionary<string, long>(StringComparer.Ordinal);
        var transports = new Dictionary<string, long>(StringComparer.Ordinal);
        long records = 0, changes = 0, held = 0;
        var db = redis.GetDatabase();
        for (long start = 0; ; start += Page)
        {
            var lines = await db.ListRangeAsync(keys.PollAudit(poll.Id), start, start + Page - 1);
            foreach (var line in lines)
            {
                if (!AuditRecord.TryParse(line.ToString(), out var record))
                {
                    continue;
                }
                records++;
                var minute = record.AtMs / 60_000;
                perMinute[minute] = perMinute.GetValueOrDefault(minute) + 1;
                if (record.Previous.Length > 0)
                {
                    changes++;
                }
                if (record.Held)
                {
                    held++;
                }
                networks[record.Network] = networks.GetValueOrDefault(record.Network) + 1;
                transports[record.Transport] = transports.GetValueOrDefault(record.Transport) + 1;
            }
            if (lines.Length < Page)
            {
                break;
            }
        }

        var (excluded, admitted) = await store.GetNetworkRulesAsync(poll.Id);
        var top = networks.OrderByDescending(n => n.Value).ThenBy(n => n.Key, StringComparer.Ordinal).Take(10)
            .Select(n => new NetworkShare(n.Key, n.Value, records == 0 ? 0 : (double)n.Value / records)).ToList();
        return new PollIntegrity
        {
            PollId = poll.Id,
            TotalVoters = poll.TotalVoters,
            Records = records,
            Changes = changes,
            Held = await redis.GetDatabase().HashLengthAsync(keys.PollHeld(poll.Id)),
            Outcomes = await store.GetOutcomesAsync(poll.Id),
            Excluded = excluded,
            Admitted = admitted,
            PerMinute = perMinute.Select(m => new MinuteCount(DateTime.UnixEpoch.AddMinutes(m.Key), m.Value)).ToList(),
            TopNetworks = top,
            Networks = networks.Count,
            ByTransport = transports,
            Verdict = Verdict(records, networks.Count, top),
        };
    }

    private static string Verdict(long records, int networks, IReadOnlyList<NetworkShare> top)
    {
        if (records == 0)
        {
            return "No votes yet.";
        }
        var largest = top[0].Share;
        var above = top.Count(n => n.Share > NotableShare);
        return above == 0
            ? $"No network above {NotableShare:P0} of votes (largest {largest:P1}, {networks:N0} networks)."
            : $"{above} network{(above == 1 ? "" : "s")} above {NotableShare:P0} of votes: the largest has {largest:P1} ({top[0].Votes:N0} of {records:N0} votes, {networks:N0} networks).";
    }

    /// <summary>
    /// The results as CSV: option id, text, votes, share of voters; a ranking's votes column holds Borda points and adds
    /// average_position; a quiz adds correct once its answers are revealed (never before: an export is passed around);
    /// closing rows give the total voters, a rating's average and a quiz's right answers (when revealed).
    /// </summary>
    public static string ResultsCsv(Poll poll)
    {
        var kind = poll.Definition.Kind;
        if (kind == PollKind.Words)
        {
            // Only what readers may see: an entry no editor approved stays out of a file that is passed around.
            var words = new StringBuilder("entry,count,share_of_voters\n");
            foreach (var word in poll.ShownWords ?? [])
            {
                var count = word.Count ?? 0;
                words.Append(Field(word.Text)).Append(',').Append(count.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append((poll.TotalVoters == 0 ? 0 : (double)count / poll.TotalVoters).ToString("0.####", CultureInfo.InvariantCulture)).Append('\n');
            }
            return words.Append("_total_voters,").Append(poll.TotalVoters.ToString(CultureInfo.InvariantCulture)).Append(",1\n").ToString();
        }
        var revealed = poll.AnswersRevealed;
        var csv = new StringBuilder(kind == PollKind.Ranking ? "option_id,option_text,borda_points,share_of_points,average_position" : "option_id,option_text,votes,share_of_voters");
        csv.Append(revealed ? ",correct\n" : "\n");
        var points = poll.Definition.Options.Sum(o => poll.Counts.GetValueOrDefault(o.Id));
        foreach (var option in poll.Definition.Options)
        {
            var count = poll.Counts.GetValueOrDefault(option.Id);
            var whole = kind == PollKind.Ranking ? points : poll.TotalVoters;
            var share = whole == 0 ? 0 : (double)count / whole;
            csv.Append(Field(option.Id)).Append(',').Append(Field(option.Text)).Append(',')
                .Append(count.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(share.ToString("0.####", CultureInfo.InvariantCulture));
            if (kind == PollKind.Ranking)
            {
                csv.Append(',').Append(poll.AveragePosition(option.Id)?.ToString("0.##", CultureInfo.InvariantCulture));
            }
            if (revealed)
            {
                csv.Append(',').Append(option.Correct ? "true" : "false");
            }
            csv.Append('\n');
        }
        csv.Append("_total_voters,,").Append(poll.TotalVoters.ToString(CultureInfo.InvariantCulture)).Append(",1\n");
        if (kind == PollKind.Rating)
        {
            csv.Append("_average,,").Append(poll.Average()?.ToString("0.##", CultureInfo.InvariantCulture)).Append(",\n");
        }
        if (revealed)
        {
            var right = poll.RightVoters();
            csv.Append("_right_voters,,").Append(right.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append((poll.TotalVoters == 0 ? 0 : (double)right / poll.TotalVoters).ToString("0.####", CultureInfo.InvariantCulture)).Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>Counted votes per minute as CSV.</summary>
    public static string MinutesCsv(PollIntegrity integrity)
    {
        var csv = new StringBuilder("minute_utc,votes\n");
        foreach (var minute in integrity.PerMinute)
        {
            csv.Append(minute.Minute.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture)).Append(',')
                .Append(minute.Votes.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return csv.ToString();
    }

    // RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula.
    private static string Field(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0]))
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
