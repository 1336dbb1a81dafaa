using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using LivePoll.LoadTests.Measurement;
using Spectre.Console;

namespace LivePoll.LoadTests.Reporting;

/// <summary>Writes a run's report as a final console table and as report.json, report.md and a self-contained report.html.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void WriteTable(IAnsiConsole console, RunReport report)
    {
        var table = new Table().Title($"LivePoll {report.Scenario}").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (name, value) in Rows(report))
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }
        console.Write(table);
        console.MarkupLine(report.Verdict.Passed ? "[green bold]PASS[/]" : "[red bold]FAIL[/]");
        foreach (var check in report.Verdict.Checks)
        {
            console.MarkupLine($"  {Markup.Escape(check)}");
        }
        if (report.Thresholds.Count > 0)
        {
            console.MarkupLine(report.Thresholds.All(t => t.Passed) ? "[green bold]Thresholds: all held[/]" : "[red bold]Thresholds: missed[/]");
            foreach (var threshold in report.Thresholds)
            {
                console.MarkupLine($"  [{(threshold.Passed ? "green" : "red")}]{Markup.Escape(threshold.ToString())}[/]");
            }
        }
    }

    /// <summary>Writes the three report files into <paramref name="folder"/>; returns the folder.</summary>
    public static string WriteFiles(RunReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(report, Json));
        File.WriteAllText(Path.Combine(folder, "report.md"), Markdown(report));
        File.WriteAllText(Path.Combine(folder, "report.html"), Html(report));
        return folder;
    }

    public static IEnumerable<(string Name, string Value)> Rows(RunReport r)
    {
        foreach (var (key, value) in r.Settings)
        {
            yield return (key, value);
        }
        yield return ("setup / run", $"{r.SetupSeconds:0.0} s / {r.RunSeconds:0.0} s");
        if (r.Sent > 0)
        {
            yield return ("votes sent / acknowledged / failed / dropped (due, not sent)", $"{r.Sent:N0} / {r.Acknowledged:N0} / {r.Failed:N0} / {r.NotSent:N0}");
            yield return ("outcomes", string.Join(", ", r.Outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value:N0}")));
            yield return ("acknowledged/s: peak / mean while holding", $"{r.PeakAcknowledgedPerSecond:N0} / {r.HoldAcknowledgedPerSecond:N0}");
        }
        if (r.AckLatency is { Count: > 0 } ack)
        {
            yield return ("ack latency p50/p90/p99/p99.9/max", Format(ack));
        }
        if (r.VoteToReaderLatency is { Count: > 0 } v2r)
        {
            yield return ("vote-to-reader p50/p90/p99/p99.9/max", Format(v2r));
            yield return ("snapshots per reader per second", r.SnapshotsPerReaderPerSecond.ToString("0.00", CultureInfo.InvariantCulture));
        }
        if (r.PublishToDeliveryLatency is { Count: > 0 } p2d)
        {
            yield return ("publish-to-delivery p50/p90/p99/p99.9/max", Format(p2d));
        }
        if (r.Cpu is { } cpu)
        {
            yield return ("CPU window", $"{cpu.WindowSeconds:0.0} s; server CPU from {cpu.Source}");
            yield return ("server CPU: cores / µs per acknowledged vote / µs per delivered message",
                $"{Number(cpu.ServerCores, "0.00")} / {Number(cpu.ServerMicrosPerVote, "0.0")} / {Number(cpu.ServerMicrosPerDelivered, "0.0")}");
            yield return ("tool CPU: cores / µs per acknowledged vote / µs per delivered message",
                $"{cpu.ToolCores:0.00} / {Number(cpu.ToolMicrosPerVote, "0.0")} / {Number(cpu.ToolMicrosPerDelivered, "0.0")}");
            yield return ("in the window: votes acknowledged / messages delivered", $"{cpu.Votes:N0} / {cpu.Delivered:N0}");
        }
        foreach (var (key, value) in r.Extra)
        {
            yield return (key, value);
        }
        yield return ("connects / disconnects / reconnects / errors", $"{r.Connects:N0} / {r.Disconnects:N0} / {r.Reconnects:N0} / {r.Errors:N0}");
        foreach (var (kind, count) in r.ErrorKinds.OrderByDescending(e => e.Value).Take(5))
        {
            yield return ($"  error ×{count:N0}", kind);
        }
    }

    private static string Number(double? value, string format) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Format(LatencySummary l) =>
        string.Create(CultureInfo.InvariantCulture, $"{l.P50:0.0} / {l.P90:0.0} / {l.P99:0.0} / {l.P999:0.0} / {l.Max:0.0} ms ({l.Count:N0} samples)");

    private static string Markdown(RunReport r)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# LivePoll {r.Scenario} — {(r.Verdict.Passed ? "PASS" : "FAIL")}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Started {r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC.");
        md.AppendLine();
        md.AppendLine("| measure | value |");
        md.AppendLine("| --- | --- |");
        foreach (var (name, value) in Rows(r))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name.Replace("|", "\\|", StringComparison.Ordinal)} | {value.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }
        md.AppendLine();
        md.AppendLine("## Verdict");
        md.AppendLine();
        foreach (var check in r.Verdict.Checks)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {check}");
        }
        if (r.Thresholds.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Thresholds");
            md.AppendLine();
            foreach (var threshold in r.Thresholds)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {threshold}");
            }
        }
        return md.ToString();
    }

    private static string Html(RunReport r)
    {
        var rows = string.Join("", Rows(r).Select(x => $"<tr><th>{WebUtility.HtmlEncode(x.Name)}</th><td>{WebUtility.HtmlEncode(x.Value)}</td></tr>"));
        var checks = string.Join("", r.Verdict.Checks.Select(c => $"<li>{WebUtility.HtmlEncode(c)}</li>")
            .Concat(r.Thresholds.Select(t => $"<li class=\"{(t.Passed ? "pass" : "fail")}\">{WebUtility.HtmlEncode(t.ToString())}</li>")));
        var charts = new StringBuilder();
        if (r.Timeline.Any(p => p.Acknowledged > 0 || p.Failed > 0))
        {
            charts.Append(Chart("Acknowledged votes per second", "votes/s",
                [("acknowledged", "#2a7", r.Timeline.Select(p => (double)p.Acknowledged).ToList()), ("failed", "#c33", r.Timeline.Select(p => (double)p.Failed).ToList())]));
            charts.Append(Chart("Acknowledgement latency per second", "ms",
                [("p99", "#c70", r.Timeline.Select(p => p.AckP99Ms).ToList()), ("p50", "#37c", r.Timeline.Select(p => p.AckP50Ms).ToList())]));
        }
        if (r.Timeline.Any(p => p.DeliveryP99Ms > 0))
        {
            charts.Append(Chart(DeliveryTitle(r), "ms",
                [("p99", "#c70", r.Timeline.Select(p => p.DeliveryP99Ms).ToList()), ("p50", "#37c", r.Timeline.Select(p => p.DeliveryP50Ms).ToList())]));
        }
        if (r.Memory.Count > 1)
        {
            charts.Append(Chart("Server memory", "MB",
                [("working set", "#75c", r.Memory.Select(m => m.WorkingSetMb).ToList()), ("managed heap", "#3a9", r.Memory.Select(m => m.ManagedHeapMb).ToList())]));
        }
        return $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>LivePoll {{r.Scenario}} report</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#222}
            h1 .pass,li.pass{color:#1a7f37}h1 .fail,li.fail{color:#c0392b}
            table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ddd;padding:.35rem .6rem;text-align:left}
            th{font-weight:500;color:#555;width:40%}figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.4rem}
            svg text{font-size:11px;fill:#555}.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
            </style></head><body>
            <h1>LivePoll {{r.Scenario}} — <span class="{{(r.Verdict.Passed ? "pass" : "fail")}}">{{(r.Verdict.Passed ? "PASS" : "FAIL")}}</span></h1>
            <p>Started {{r.StartedAt:yyyy-MM-dd HH:mm:ss}} UTC.</p>
            <ul>{{checks}}</ul>
            {{charts}}
            <table>{{rows}}</table>
            </body></html>
            """;
    }

    private static string DeliveryTitle(RunReport r) => r.Scenario == "feed"
        ? "Publish-to-delivery latency, by the second the publish began"
        : "Vote-to-reader latency, by the second the vote was answered";

    /// <summary>
    /// Two runs on one page (<c>compare --html</c>): every series side by side with its change and the tolerances, and
    /// each timeline of the two runs overlaid (the baseline grey, the new run in colour), second by second from each
    /// run's start.
    /// </summary>
    public static string ComparisonHtml(RunReport baseline, RunReport candidate, IReadOnlyList<SeriesChange> changes, IReadOnlyList<ThresholdResult> tolerances)
    {
        static string Number(double? value) => value is { } v ? WebUtility.HtmlEncode(v.ToString("#,0.###", CultureInfo.InvariantCulture)) : "–";
        var rows = string.Join("", changes.Select(c => $"<tr><th>{WebUtility.HtmlEncode(c.Name)}</th><td>{Number(c.Base)}</td><td>{Number(c.New)}</td><td>"
            + (c.ChangePercent is { } p ? WebUtility.HtmlEncode(p.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " %") : "–") + "</td></tr>"));
        var checks = string.Join("", tolerances.Select(t => $"<li class=\"{(t.Passed ? "pass" : "fail")}\">{WebUtility.HtmlEncode(t.ToString())}</li>"));
        var charts = new StringBuilder();
        void Overlay(string title, string unit, Func<TimelinePoint, double> value)
        {
            if (baseline.Timeline.Concat(candidate.Timeline).Any(p => value(p) > 0))
            {
                charts.Append(Chart(title, unit, [("base", "#aaa", baseline.Timeline.Select(value).ToList()), ("new", "#c70", candidate.Timeline.Select(value).ToList())]));
            }
        }
        Overlay("Acknowledged votes per second", "votes/s", p => p.Acknowledged);
        Overlay("Acknowledgement latency p99 per second", "ms", p => p.AckP99Ms);
        Overlay(DeliveryTitle(candidate) + " (p99)", "ms", p => p.DeliveryP99Ms);
        var passed = baseline.Verdict.Passed && candidate.Verdict.Passed && tolerances.All(t => t.Passed);
        return $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>LivePoll runs compared</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#222}
            h1 .pass,li.pass{color:#1a7f37}h1 .fail,li.fail{color:#c0392b}
            table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ddd;padding:.35rem .6rem;text-align:left}
            td{text-align:right;font-variant-numeric:tabular-nums}th{font-weight:500;color:#555}figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.4rem}
            svg text{font-size:11px;fill:#555}.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
            </style></head><body>
            <h1>{{WebUtility.HtmlEncode(baseline.Scenario)}} → {{WebUtility.HtmlEncode(candidate.Scenario)}} — <span class="{{(passed ? "pass" : "fail")}}">{{(passed ? "PASS" : "FAIL")}}</span></h1>
            <p>Base started {{baseline.StartedAt:yyyy-MM-dd HH:mm:ss}} UTC ({{(baseline.Verdict.Passed ? "count held" : "count FAILED")}}); new started {{candidate.StartedAt:yyyy-MM-dd HH:mm:ss}} UTC ({{(candidate.Verdict.Passed ? "count held" : "count FAILED")}}).</p>
            <ul>{{checks}}</ul>
            {{charts}}
            <table><tr><th>series</th><td>base</td><td>new</td><td>change</td></tr>{{rows}}</table>
            </body></html>
            """;
    }

    /// <summary>The axis top: the next of 1, 2, 2.5 or 5 times a power of ten, so the grid lines read as round numbers.</summary>
    private static double Rounded(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 2.5, 5, 10 }.Select(step => step * power).First(top => top >= value);
    }

    /// <summary>A line chart as inline SVG: no script, no external file, opens anywhere.</summary>
    private static string Chart(string title, string unit, IReadOnlyList<(string Name, string Color, IReadOnlyList<double> Values)> series)
    {
        const int width = 900, height = 270, left = 60, bottom = 30, top = 22;
        var count = series.Max(s => s.Values.Count);
        var max = Rounded(Math.Max(1, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max()) * 1.05);
        string X(int i) => (left + (count <= 1 ? 0 : i * (width - left - 10.0) / (count - 1))).ToString("0.0", CultureInfo.InvariantCulture);
        string Y(double v) => (top + (height - top - bottom) * (1 - v / max)).ToString("0.0", CultureInfo.InvariantCulture);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<figure><figcaption>{WebUtility.HtmlEncode(title)}</figcaption><svg viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(title)}\">");
        for (var g = 0; g <= 4; g++)
        {
            var value = max * g / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" x2=\"{width - 10}\" y1=\"{Y(value)}\" y2=\"{Y(value)}\" stroke=\"#eee\"/><text x=\"{left - 6}\" y=\"{Y(value)}\" text-anchor=\"end\" dy=\"4\">{value:0.#}</text>");
        }
        for (var i = 0; i < count; i += Math.Max(1, count / 10))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(i)}\" y=\"{height - 10}\" text-anchor=\"middle\">{i}s</text>");
        }
        foreach (var (_, color, values) in series)
        {
            var points = string.Join(" ", values.Select((v, i) => $"{X(i)},{Y(v)}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points}\"/>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"12\">{WebUtility.HtmlEncode(unit)}</text></svg>");
        svg.Append("<div class=\"legend\">");
        foreach (var (name, color, _) in series)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<span><i style=\"background:{color}\"></i>{WebUtility.HtmlEncode(name)}</span>");
        }
        svg.Append("</div></figure>");
        return svg.ToString();
    }
}
