using System.Globalization;
using System.Text.RegularExpressions;

namespace LivePoll.LoadTests.Reporting;

/// <summary>One series in two runs: the baseline's value, the new run's, and the change in percent of the baseline.</summary>
public sealed record SeriesChange(string Name, double? Base, double? New)
{
    public double? ChangePercent => Base is { } b && New is { } n && b != 0 ? (n - b) / Math.Abs(b) * 100 : null;
}

/// <summary>Two runs' reports side by side (<c>compare BASE NEW</c>).</summary>
public static class RunComparison
{
    /// <summary>Every series either run measured, in <see cref="RunSeries"/>' order.</summary>
    public static IReadOnlyList<SeriesChange> Of(RunReport baseline, RunReport candidate)
    {
        var next = RunSeries.Of(candidate).ToDictionary(s => s.Name, s => s.Value);
        return RunSeries.Of(baseline)
            .Select(s => new SeriesChange(s.Name, s.Value, next[s.Name]))
            .Where(c => c.Base is not null || c.New is not null)
            .ToList();
    }
}

/// <summary>
/// How far a series may move from the baseline before <c>compare</c> fails: <c>cpu_per_vote +15%</c> fails when the new
/// run's value is more than 15 % above the baseline's (for series where more is worse), <c>acknowledged_per_second -10%</c>
/// when it is more than 10 % below (where less is worse).
/// </summary>
public sealed partial record Tolerance(string Rule, string Series, double Percent)
{
    /// <summary>Reads a rule; throws <see cref="FormatException"/> with what is wrong.</summary>
    public static Tolerance Parse(string rule)
    {
        var match = Syntax().Match(rule);
        if (!match.Success)
        {
            throw new FormatException($"Tolerance '{rule}' is not SERIES +N% or SERIES -N% (e.g. 'cpu_per_vote +15%', "
                + "'acknowledged_per_second -10%').");
        }
        var name = match.Groups["series"].Value;
        if (RunSeries.Named(name) is null)
        {
            throw new FormatException($"Tolerance '{rule}': no series '{name}'. Series: {string.Join(", ", RunSeries.Names)}.");
        }
        var percent = double.Parse(match.Groups["percent"].Value, CultureInfo.InvariantCulture);
        return new Tolerance(rule.Trim(), name, match.Groups["sign"].Value == "-" ? -percent : percent);
    }

    /// <summary>Whether the change stays within the rule; a series missing from either run cannot be judged and fails.</summary>
    public ThresholdResult Check(IReadOnlyList<SeriesChange> changes)
    {
        var change = changes.FirstOrDefault(c => c.Name == Series)?.ChangePercent;
        var passed = change is { } moved && (Percent >= 0 ? moved <= Percent : moved >= Percent);
        return new ThresholdResult(Rule, change, passed, "change in %");
    }

    [GeneratedRegex(@"^\s*(?<series>[a-z_]+(\.[a-z0-9]+)?)\s+(?<sign>[+-])\s*(?<percent>[0-9]+(\.[0-9]+)?)\s*%\s*$")]
    private static partial Regex Syntax();
}
