using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// When the store does not answer, an HTTP request gets 503 with Retry-After and a ProblemDetails that says to
/// try again, not a 500: nothing it asked for was done or acknowledged.
/// </summary>
internal sealed class StoreUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public const string Message = "The data store is not answering right now, so this was not done. Please try again in a few seconds.";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsStoreOutage(exception))
        {
            return false;
        }
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "2";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "Try again", Detail = Message },
        });
    }

    public static bool IsStoreOutage(Exception exception) => exception is RedisException or RedisTimeoutException or TimeoutException;
}

/// <summary>The same over the hub: a hub call that meets a store outage fails with a HubException saying to try again.</summary>
internal sealed class StoreUnavailableHubFilter : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ValueTask<object?> call;
        try
        {
            call = next(context);
        }
        catch (Exception ex) when (StoreUnavailableHandler.IsStoreOutage(ex))
        {
            throw new HubException(StoreUnavailableHandler.Message);
        }
        // Most calls finish without the store failing: no async frame for them.
        return call.IsCompletedSuccessfully ? call : AwaitAsync(call);
    }

    private static async ValueTask<object?> AwaitAsync(ValueTask<object?> call)
    {
        try
        {
            return await call;
        }
        catch (Exception ex) when (StoreUnavailableHandler.IsStoreOutage(ex))
        {
            throw new HubException(StoreUnavailableHandler.Message);
        }
    }
}
