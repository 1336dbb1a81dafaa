using System.Collections.Concurrent;
using Microsoft.AspNetCore.Diagnostics;

namespace LivePoll.Server.Diagnostics;

/// <summary>
/// The last of the exception handlers: a failure nothing else explains answers 500 with a ProblemDetails that names no
/// internals, and is logged with its stack trace once per kind (its type, the method that threw and the endpoint) per
/// hour. A failure that repeats on every request (one bad record behind a public page, say) therefore costs the log
/// one entry an hour with the count of repeats, not a stack trace per request that anyone on the internet can order.
/// </summary>
internal sealed class UnexpectedErrorHandler(IProblemDetailsService problems, ILogger<UnexpectedErrorHandler> logger, TimeProvider clock)
    : IExceptionHandler
{
    private static readonly TimeSpan Quiet = TimeSpan.FromHours(1);

    private const int MaxKinds = 1_000;

    private readonly ConcurrentDictionary<string, Seen> _seen = new(StringComparer.Ordinal);

    private sealed class Seen(DateTimeOffset loggedAt)
    {
        public DateTimeOffset LoggedAt = loggedAt;
        public long Repeats;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        Note(context, exception);
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Something went wrong on our side",
                Detail = "The server could not answer this request. It has been logged; please try again later.",
            },
        });
    }

    private void Note(HttpContext context, Exception exception)
    {
        var endpoint = context.GetEndpoint()?.DisplayName ?? context.Request.Path.ToString();
        var kind = $"{exception.GetType().FullName} at {exception.TargetSite?.DeclaringType?.FullName}.{exception.TargetSite?.Name} in {endpoint}";
        var now = clock.GetUtcNow();
        if (_seen.Count >= MaxKinds)
        {
            _seen.Clear();
        }
        var seen = _seen.GetOrAdd(kind, _ => new Seen(DateTimeOffset.MinValue));
        long repeats;
        lock (seen)
        {
            if (now - seen.LoggedAt < Quiet)
            {
                seen.Repeats++;
                return;
            }
            repeats = seen.Repeats;
            seen.Repeats = 0;
            seen.LoggedAt = now;
        }
        DiagnosticsLog.UnexpectedError(logger, exception, context.Request.Method, endpoint, repeats);
    }
}

internal static partial class DiagnosticsLog
{
    [LoggerMessage(5001, LogLevel.Error, "A request to {Method} {Endpoint} failed unexpectedly; it was answered 500. The same failure was "
        + "seen {Repeats} more times since it was last logged (it is logged with its stack trace at most once an hour).")]
    public static partial void UnexpectedError(ILogger logger, Exception exception, string method, string endpoint, long repeats);
}
