using LivePoll.Server.Storage;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Media;

/// <summary>
/// The folder the renditions live in, decided once at start (see <see cref="MediaOptions.Directory"/>). A temporary
/// folder (embedded store in memory) is deleted when the server stops, as the store's data is.
/// </summary>
public sealed class MediaLocation : IDisposable
{
    public MediaLocation(IOptions<MediaOptions> media, IOptions<StoreOptions> store, IOptions<EmbeddedStoreOptions> embedded, IHostEnvironment environment)
    {
        (Directory, Temporary) = Resolve(media.Value, store.Value, embedded.Value, environment.ContentRootPath);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>Whether the folder is this process's own and goes when it stops.</summary>
    public bool Temporary { get; }

    /// <summary>The folder for these settings (also used by the store commands, which have no host).</summary>
    public static (string Directory, bool Temporary) Resolve(MediaOptions media, StoreOptions store, EmbeddedStoreOptions embedded, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(media.Directory))
        {
            return (Path.GetFullPath(media.Directory, contentRoot), false);
        }
        if (store.UsesEmbeddedStore)
        {
            return embedded.ResolveDataDirectory(contentRoot) is { } data
                ? (Path.Combine(data, "media"), false)
                : (Path.Combine(Path.GetTempPath(), $"livepoll-media-{Environment.ProcessId}-{Guid.NewGuid():N}"), true);
        }
        return (Path.GetFullPath("media", contentRoot), false);
    }

    public void Dispose()
    {
        if (Temporary)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
