using System.Diagnostics;
using System.Globalization;
using LivePoll.LoadTests.Scenarios;

namespace LivePoll.LoadTests.Measurement;

/// <summary>
/// CPU time of the servers and of this tool over a window of a run, so a run reports CPU per acknowledged vote and
/// per delivered message: on a shared machine rates are noise, CPU per unit compares. The servers' CPU comes from
/// /proc/PID/stat when their process ids are given (<c>--server-pid</c>, same machine), else from each target's
/// /metrics (<c>process_cpu_seconds_total</c>); the tool's from its own process.
/// </summary>
public sealed class CpuMeter(Target target, IReadOnlyList<int> serverPids)
{
    private const double ClockTicksPerSecond = 100; // USER_HZ, 100 on Linux

    public async Task<CpuSample> SampleAsync(RunMeter meter, CancellationToken cancellationToken)
    {
        double? server = 0;
        string source;
        if (serverPids.Count > 0)
        {
            source = "/proc";
            foreach (var pid in serverPids)
            {
                server += ProcCpuSeconds(pid);
            }
        }
        else
        {
            source = "/metrics";
            foreach (var url in target.Urls)
            {
                server += await MetricsCpuSecondsAsync(url, cancellationToken);
            }
        }
        return new CpuSample(Stopwatch.GetTimestamp(), server, source, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
            Interlocked.Read(ref meter.Acknowledged), Interlocked.Read(ref meter.Snapshots) + Interlocked.Read(ref meter.FeedEvents));
    }

    private static double? ProcCpuSeconds(int pid)
    {
        try
        {
            // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th of them.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private async Task<double?> MetricsCpuSecondsAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "/metrics"));
            using var response = await target.Http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            foreach (var line in (await response.Content.ReadAsStringAsync(cancellationToken)).Split('\n'))
            {
                if (line.StartsWith("process_cpu_seconds_total ", StringComparison.Ordinal))
                {
                    return double.Parse(line["process_cpu_seconds_total ".Length..], CultureInfo.InvariantCulture);
                }
            }
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or FormatException)
        {
            return null;
        }
    }
}

/// <summary>CPU seconds of the servers (null when unknown) and of the tool, with the run's counts, at one moment.</summary>
public sealed record CpuSample(long Timestamp, double? ServerSeconds, string Source, double ToolSeconds, long Acknowledged, long Delivered)
{
    /// <summary>What happened between <paramref name="start"/> and this sample, per unit.</summary>
    public CpuReport Since(CpuSample start)
    {
        var seconds = (Timestamp - start.Timestamp) / (double)Stopwatch.Frequency;
        var server = ServerSeconds - start.ServerSeconds;
        var tool = ToolSeconds - start.ToolSeconds;
        long votes = Acknowledged - start.Acknowledged, delivered = Delivered - start.Delivered;
        static double? Per(double? cpu, long units) => cpu is { } c && units > 0 ? Math.Round(c * 1e6 / units, 1) : null;
        return new CpuReport
        {
            WindowSeconds = Math.Round(seconds, 2),
            Source = server is null ? "unknown (give --server-pid, or let the tool read /metrics)" : Source,
            ServerCpuSeconds = server is { } s ? Math.Round(s, 2) : null,
            ServerCores = server is { } c && seconds > 0 ? Math.Round(c / seconds, 2) : null,
            ToolCpuSeconds = Math.Round(tool, 2),
            ToolCores = seconds > 0 ? Math.Round(tool / seconds, 2) : 0,
            Votes = votes,
            Delivered = delivered,
            ServerMicrosPerVote = Per(server, votes),
            ServerMicrosPerDelivered = Per(server, delivered),
            ToolMicrosPerVote = Per(tool, votes),
            ToolMicrosPerDelivered = Per(tool, delivered),
        };
    }
}

/// <summary>
/// CPU over a run's measured window (the hold of a surge, the publishing of a feed run). Each "per" figure divides
/// all of the process's CPU by one unit count, so in a mixed run both include everything: measure votes with no
/// readers, and fan-out with few votes, to tell the two apart.
/// </summary>
public sealed record CpuReport
{
    public double WindowSeconds { get; init; }
    public string Source { get; init; } = "";
    public double? ServerCpuSeconds { get; init; }
    public double? ServerCores { get; init; }
    public double ToolCpuSeconds { get; init; }
    public double ToolCores { get; init; }

    /// <summary>Votes acknowledged to this tool in the window.</summary>
    public long Votes { get; init; }

    /// <summary>Messages (poll snapshots, feed events) this tool's readers received in the window.</summary>
    public long Delivered { get; init; }

    public double? ServerMicrosPerVote { get; init; }
    public double? ServerMicrosPerDelivered { get; init; }
    public double? ToolMicrosPerVote { get; init; }
    public double? ToolMicrosPerDelivered { get; init; }
}
