using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Live;

/// <summary>
/// Logs failed hub calls in proportion: a <see cref="HubException"/> is the client's mistake, answered with its message,
/// and logged at Debug in one line; anything else is ours, logged at Error with its stack trace. SignalR's own dispatcher
/// would log every failure at Error with a stack trace (about 1.5 KB), so anyone could fill the log with bad calls; its
/// category is silenced in <see cref="HubCallLogging.UseHubCallLogging"/>.
/// </summary>
internal sealed partial class HubCallLogFilter(ILogger<HubCallLogFilter> logger, Diagnostics.LivePollMetrics metrics) : IHubFilter
{
    /// <summary>The logger category of SignalR's dispatcher, whose per-call failure log this filter replaces.</summary>
    public const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ValueTask<object?> call;
        try
        {
            call = next(context);
        }
        catch (Exception ex)
        {
            Log(context, ex);
            throw;
        }
        // Most calls succeed at once: no async frame for them.
        if (call.IsCompletedSuccessfully)
        {
            metrics.RecordHubCall(context.HubMethodName, Diagnostics.HubCallResult.Ok);
            return call;
        }
        return AwaitAsync(call, context);
    }

    private async ValueTask<object?> AwaitAsync(ValueTask<object?> call, HubInvocationContext context)
    {
        try
        {
            var result = await call;
            metrics.RecordHubCall(context.HubMethodName, Diagnostics.HubCallResult.Ok);
            return result;
        }
        catch (Exception ex)
        {
            Log(context, ex);
            throw;
        }
    }

    private void Log(HubInvocationContext context, Exception ex)
    {
        if (ex is HubException)
        {
            metrics.RecordHubCall(context.HubMethodName, Diagnostics.HubCallResult.Refused);
            Refused(logger, context.HubMethodName, ex.Message);
        }
        else if (ex is not OperationCanceledException)
        {
            metrics.RecordHubCall(context.HubMethodName, Diagnostics.HubCallResult.Failed);
            Failed(logger, ex, context.HubMethodName);
        }
    }

    [LoggerMessage(1, LogLevel.Debug, "Hub call {Method} refused: {Reason}")]
    private static partial void Refused(ILogger logger, string method, string reason);

    [LoggerMessage(2, LogLevel.Error, "Hub call {Method} failed")]
    private static partial void Failed(ILogger logger, Exception exception, string method);
}

internal static class HubCallLogging
{
    /// <summary>Hub call failures logged by <see cref="HubCallLogFilter"/> (outermost filter) instead of SignalR's dispatcher.</summary>
    public static void UseHubCallLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter(HubCallLogFilter.DispatcherCategory, LogLevel.None);
        builder.Services.AddSingleton<HubCallLogFilter>();
    }
}
