namespace LivePoll.Server.Storage;

/// <summary>
/// Where the embedded store keeps its data when no Redis is configured (section <c>Store</c>):
/// <c>Store:DataDirectory</c>, and <c>Store:Embedded:Persist</c> / <c>Store:Embedded:CheckpointIntervalSeconds</c>.
/// </summary>
public sealed class EmbeddedStoreOptions
{
    public const string Section = "Store";

    /// <summary>
    /// The folder for the append-only file and checkpoints; a relative path is taken from the content root (the
    /// app's folder when published, the project's folder under <c>dotnet run</c>). Created on first run.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    public EmbeddedSettings Embedded { get; set; } = new();

    public sealed class EmbeddedSettings
    {
        /// <summary>Keep the data on disk (default). False: in memory only, gone when the process ends.</summary>
        public bool Persist { get; set; } = true;

        /// <summary>
        /// Seconds between checkpoints, which bound how much of the append-only file a start replays (0: none; a
        /// checkpoint is still taken when the server stops).
        /// </summary>
        public int CheckpointIntervalSeconds { get; set; } = 300;
    }

    /// <summary>The data folder as an absolute path, or null when the embedded store does not persist.</summary>
    public string? ResolveDataDirectory(string contentRoot) =>
        Embedded.Persist ? Path.GetFullPath(DataDirectory, contentRoot) : null;
}
