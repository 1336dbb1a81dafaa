namespace LivePoll.Tests.Infrastructure;

/// <summary>Deletes a folder a test made when the test is done with it, also when it failed.</summary>
public sealed class DeleteOnDispose(DirectoryInfo directory) : IDisposable, IAsyncDisposable
{
    public void Dispose()
    {
        directory.Refresh();
        if (directory.Exists)
        {
            directory.Delete(recursive: true);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
