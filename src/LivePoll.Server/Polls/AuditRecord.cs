using System.Globalization;

namespace LivePoll.Server.Polls;

/// <summary>
/// One record of a poll's audit list: every vote the store counted or held, in the order it did. The format is defined
/// once, here, and written and read in the store by the Lua of <see cref="PollScripts.AuditLine"/> (the vote script
/// writes it, the recount reads it): one line of seven fields separated by single spaces,
/// <c>ms voter choices previous origin node flag</c>: the time in Unix ms, the voter id, the choices ("2" or "1,3"),
/// the previous choices (empty for a first vote, so two spaces in a row), the origin ("network|transport": the
/// network's keyed hash and hub or http), the node that counted it, and "c" counted or "h" held. No field holds a
/// space: ids are checked, origins and node names are LivePoll's own.
/// </summary>
public readonly record struct AuditRecord(long AtMs, string Voter, string Choices, string Previous, string Network, string Transport,
    string Node, bool Held)
{
    /// <summary>Reads one record; false for a line that is not one (it is skipped, never guessed at).</summary>
    public static bool TryParse(string line, out AuditRecord record)
    {
        record = default;
        var fields = line.Split(' ');
        if (fields.Length < 6 || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return false;
        }
        var origin = fields[4];
        var bar = origin.IndexOf('|');
        record = new AuditRecord(ms, fields[1], fields[2], fields[3],
            bar < 0 ? origin : origin[..bar], bar < 0 ? "unknown" : origin[(bar + 1)..],
            fields[5], fields.Length > 6 && fields[6] == "h");
        return true;
    }
}
