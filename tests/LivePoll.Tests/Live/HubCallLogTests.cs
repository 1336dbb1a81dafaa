using System.Collections.Concurrent;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LivePoll.Tests.Live;

/// <summary>Bad hub calls from anyone are answered with their reason and do not fill the log with errors and stack traces.</summary>
public sealed class HubCallLogTests(RedisStoreFixture store) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task A_thousand_bad_hub_calls_log_no_error_and_no_stack_trace()
    {
        var log = new CapturedLog();
        await using var server = await LivePollServer.StartAsync(store.Configuration, services: s => s.AddSingleton<ILoggerProvider>(log));
        await using var client = server.CreateHubConnection(WireProtocol.MessagePack);
        await client.StartAsync().DefaultTimeout();
        // What start-up logged (e.g. the data-protection warning) is not the subject here.
        log.Entries.Clear();

        for (var i = 0; i < 1000; i++)
        {
            var refused = await Assert.ThrowsAsync<HubException>(() => i % 2 == 0
                ? client.InvokeAsync<VoteResult>(HubMethods.Vote, new VoteRequest { PollId = "no such poll!", OptionIds = ["1"] })
                : client.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, "no such poll!")).DefaultTimeout();
            Assert.False(string.IsNullOrWhiteSpace(refused.Message));
        }

        var loud = log.Entries.Where(e => e.Level >= LogLevel.Warning || e.HasException).ToList();
        Assert.True(loud.Count == 0, "logged: " + string.Join("\n", loud.Take(3).Select(e => $"{e.Level} {e.Category}: {e.Message}")));
        Assert.True(log.Entries.Sum(e => e.Message.Length) < 100_000, "the log stays small");
    }

    private sealed class CapturedLog : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message, bool HasException)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                log.Entries.Enqueue((category, logLevel, formatter(state, exception) + (exception?.ToString() ?? ""), exception is not null));
        }
    }
}
