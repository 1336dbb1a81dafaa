using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LivePoll.Tests.Infrastructure;

/// <summary>Every await in a test carries a timeout, so a hang fails one test instead of the whole run.</summary>
public static class TimeoutExtensions
{
    public static readonly TimeSpan Default = Debugger.IsAttached ? TimeSpan.FromMinutes(10) : TimeSpan.FromSeconds(30);

    public static async Task DefaultTimeout(this Task task, TimeSpan? timeout = null, [CallerArgumentExpression(nameof(task))] string? what = null)
    {
        try
        {
            await task.WaitAsync(timeout ?? Default);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Timed out after {(timeout ?? Default).TotalSeconds:0.#} s: {what}");
        }
    }

    public static async Task<T> DefaultTimeout<T>(this Task<T> task, TimeSpan? timeout = null, [CallerArgumentExpression(nameof(task))] string? what = null)
    {
        try
        {
            return await task.WaitAsync(timeout ?? Default);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Timed out after {(timeout ?? Default).TotalSeconds:0.#} s: {what}");
        }
    }

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task, TimeSpan? timeout = null, [CallerArgumentExpression(nameof(task))] string? what = null) =>
        task.AsTask().DefaultTimeout(timeout, what);

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="what"/> after the timeout.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? Default).TotalSeconds * Stopwatch.Frequency);
        while (!await condition().DefaultTimeout(timeout))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}");
            }
            await Task.Delay(50);
        }
    }
}
