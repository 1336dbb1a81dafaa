using System.Runtime.CompilerServices;

namespace LivePoll.Tests.Infrastructure;

internal static class TestProcessSetup
{
    /// <summary>
    /// This test process hosts many LivePoll servers, some starting and stopping at once. SignalR's Redis backplane
    /// unsubscribes synchronously when its server is disposed, blocking a thread-pool thread while StackExchange.Redis
    /// completes the answer on another; with the pool's minimum of one thread per core (2 here), a few servers stopping
    /// together starved it, and the unsubscribe timed out after 5 s (seen once in a full run). A deployed node is one
    /// server per process and stops once; tests start the pool with enough threads for theirs.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
