using System.Globalization;
using System.Text.RegularExpressions;
using LivePoll.LoadTests.Measurement;

namespace LivePoll.LoadTests.Reporting;

/// <summary>
/// A service-level objective on one series of a run, e.g. <c>vote_to_reader.p99 &lt; 250ms</c>, <c>dropped_share &lt;= 1%</c>
/// or <c>cpu_per_vote &lt; 150us</c>: a series name (<see cref="RunSeries"/>), a comparison (&lt;, &lt;=, &gt;, &gt;=) and a
/// limit in the series' unit or one convertible to it. The limit is kept in the series' own unit.
/// </summary>
public sealed partial record Threshold(string Expression, string Series, string Comparison, double Limit)
{
    /// <summary>Reads an expression; throws <see cref="FormatException"/> with what is wrong and what would be right.</summary>
    public static Threshold Parse(string expression)
    {
        var match = Syntax().Match(expression);
        if (!match.Success)
        {
            throw new FormatException($"Threshold '{expression}' is not SERIES OP LIMIT (e.g. 'vote_to_reader.p99 < 250ms', "
                + "'dropped_share <= 1%', 'cpu_per_vote < 150us'); OP is <, <=, > or >=.");
        }
        var name = match.Groups["series"].Value;
        var series = RunSeries.Named(name)
            ?? throw new FormatException($"Threshold '{expression}': no series '{name}'. Series: {string.Join(", ", RunSeries.Names)}.");
        var number = double.Parse(match.Groups["limit"].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups["unit"].Value;
        double? limit = (series.Unit, unit) switch
        {
            (SeriesUnit.Milliseconds, "" or "ms") => number,
            (SeriesUnit.Milliseconds, "s") => number * 1000,
            (SeriesUnit.Milliseconds, "us" or "µs") => number / 1000,
            (SeriesUnit.Microseconds, "" or "us" or "µs") => number,
            (SeriesUnit.Microseconds, "ms") => number * 1000,
            (SeriesUnit.Share, "%") => number / 100,
            (SeriesUnit.Share, "") => number,
            (SeriesUnit.Number, "") => number,
            _ => null,
        };
        return limit is { } inUnit
            ? new Threshold(expression.Trim(), name, match.Groups["op"].Value, inUnit)
            : throw new FormatException($"Threshold '{expression}': {name} is {Describe(series.Unit)}; '{unit}' does not apply to it.");
    }

    /// <summary>Checks the threshold against a run; a series the run did not measure fails.</summary>
    public ThresholdResult Evaluate(RunReport report)
    {
        var actual = RunSeries.Of(report).Single(s => s.Name == Series).Value;
        var passed = actual is { } value && Comparison switch
        {
            "<" => value < Limit,
            "<=" => value <= Limit,
            ">" => value > Limit,
            _ => value >= Limit,
        };
        return new ThresholdResult(Expression, actual, passed);
    }

    /// <summary>
    /// During a run: why this threshold can no longer hold, or null. Only counts that never go down (dropped, failed,
    /// errors, reconnects) under &lt; or &lt;= can be judged before the end; a latency or a share may still recover.
    /// </summary>
    public string? Hopeless(RunMeter meter)
    {
        long? live = Series switch
        {
            "dropped" => Interlocked.Read(ref meter.NotSent),
            "failed" => Interlocked.Read(ref meter.Failed),
            "errors" => Interlocked.Read(ref meter.Errors),
            "reconnects" => Interlocked.Read(ref meter.Reconnects),
            _ => null,
        };
        var over = live is { } value && Comparison switch
        {
            "<" => value >= Limit,
            "<=" => value > Limit,
            _ => false,
        };
        return over ? $"'{Expression}' can no longer hold ({Series} is already {live})" : null;
    }

    private static string Describe(SeriesUnit unit) => unit switch
    {
        SeriesUnit.Milliseconds => "a time (write ms, s or us)",
        SeriesUnit.Microseconds => "CPU time per unit (write us or ms)",
        SeriesUnit.Share => "a share (write 2% or 0.02)",
        _ => "a number (no unit)",
    };

    [GeneratedRegex(@"^\s*(?<series>[a-z_]+(\.[a-z0-9]+)?)\s*(?<op><=|>=|<|>)\s*(?<limit>[0-9]+(\.[0-9]+)?)\s*(?<unit>ms|s|us|µs|%)?\s*$")]
    private static partial Regex Syntax();
}

/// <summary>
/// How a threshold (or a compare tolerance) fared: the value it was judged on, in the series' unit or as
/// <paramref name="Measured"/> says (null: not measured), and PASS or FAIL.
/// </summary>
public sealed record ThresholdResult(string Expression, double? Actual, bool Passed, string Measured = "measured")
{
    public override string ToString() =>
        $"{(Passed ? "PASS" : "FAIL")}  {Expression}  ({Measured}: {(Actual is { } a ? a.ToString("0.###", CultureInfo.InvariantCulture) : "not measured")})";
}
