using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// Keeps what an in-process server logs (Warning and up, as test servers log), to check what a request costs the log.
/// Add it with <c>services: s => s.AddSingleton&lt;ILoggerProvider&gt;(capture)</c>.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);

    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>Characters logged so far, stack traces included: what a log file would grow by.</summary>
    public long Characters => _entries.Sum(e => e.Message.Length + (e.Exception?.ToString().Length ?? 0));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                capture._entries.Enqueue(new Entry(category, logLevel, eventId.Id, formatter(state, exception), exception));
            }
        }
    }
}
