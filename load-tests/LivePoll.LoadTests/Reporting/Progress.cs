using LivePoll.LoadTests.Measurement;
using Spectre.Console;

namespace LivePoll.LoadTests.Reporting;

/// <summary>Where a run tells what it is doing; the console shows a live line, tests stay quiet.</summary>
public interface IProgressSink
{
    void Status(string message);

    /// <summary>Starts reporting the meter every second until disposed.</summary>
    IDisposable Start(RunMeter meter, TimeSpan duration);
}

public sealed class SilentProgress : IProgressSink
{
    public void Status(string message)
    {
    }

    public IDisposable Start(RunMeter meter, TimeSpan duration) => new Stopper(new CancellationTokenSource());
}

internal sealed class Stopper(CancellationTokenSource source) : IDisposable
{
    public void Dispose()
    {
        source.Cancel();
        source.Dispose();
    }
}

/// <summary>One line a second: elapsed, sent, acknowledged per second, failures, ack p99, snapshots, connections.</summary>
public sealed class ConsoleProgress(IAnsiConsole console) : IProgressSink
{
    public void Status(string message) => console.MarkupLine($"[grey]{Markup.Escape(DateTime.Now.ToString("HH:mm:ss"))}[/] {Markup.Escape(message)}");

    public IDisposable Start(RunMeter meter, TimeSpan duration)
    {
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            var lastAcked = 0L;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            var token = stop.Token;
            while (!token.IsCancellationRequested && await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                var acked = Interlocked.Read(ref meter.Acknowledged);
                var p99 = meter.AckLatency.Count == 0 ? 0 : meter.AckLatency.Summarize().P99;
                console.MarkupLine(
                    $"[blue]{meter.ElapsedSeconds,5:0}s[/]/{duration.TotalSeconds:0}s  sent [bold]{meter.Sent,9:N0}[/]  ack/s [green]{acked - lastAcked,7:N0}[/]  " +
                    $"failed [red]{meter.Failed:N0}[/]  ack p99 {p99:0.0} ms  snapshots {meter.Snapshots:N0}  feed {meter.FeedEvents:N0}  " +
                    $"conn +{meter.Connects}/-{meter.Disconnects}/↻{meter.Reconnects}  errors {meter.Errors}");
                lastAcked = acked;
            }
        });
        return new Stopper(stop);
    }
}
