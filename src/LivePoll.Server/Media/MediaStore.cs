using System.Security.Cryptography;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Feed;
using LivePoll.Server.Storage;
using StackExchange.Redis;

namespace LivePoll.Server.Media;

/// <summary>
/// Uploaded photos: the renditions as files under content-addressed names (a hash of each file's bytes, so a name
/// never changes its content and can be cached for ever) in <see cref="MediaLocation.Directory"/>, and a record per photo
/// in the store listing them. The files are written (and flushed) before the record, so a record never names a
/// missing file; a photo uploaded twice is one photo.
/// </summary>
public sealed class MediaStore(MediaLocation location, IConnectionMultiplexer redis, RedisKeys keys, StoredRecords records,
    WriteAcks writeAcks, TimeProvider clock)
{
    public const string UrlPrefix = "/media/";

    /// <summary>The id an upload of these bytes has.</summary>
    public static string IdOf(byte[] upload) => "m" + Convert.ToHexStringLower(SHA256.HashData(upload))[..20];

    public async Task<MediaItem?> GetAsync(string mediaId) =>
        mediaId is { Length: > 1 and <= 40 } && mediaId.All(char.IsAsciiLetterOrDigit)
            ? records.Read<MediaItem>(await redis.GetDatabase().StringGetAsync(keys.Media(mediaId)), FeedStore.Json, "media", keys.Media(mediaId).ToString())
            : null;

    /// <summary>Stores a processed upload: its files, then its record; an id already stored is answered as it is.</summary>
    public async Task<MediaItem> AddAsync(string mediaId, ProcessedPhoto photo)
    {
        if (await GetAsync(mediaId) is { } known)
        {
            return known;
        }
        var renditions = new List<MediaRendition>();
        foreach (var rendition in photo.Renditions)
        {
            var name = $"{Convert.ToHexStringLower(SHA256.HashData(rendition.Bytes))[..32]}.{rendition.Extension}";
            await WriteOnceAsync(Path.Combine(location.Directory, name), rendition.Bytes);
            renditions.Add(new MediaRendition
            {
                Url = UrlPrefix + name, Type = rendition.Type, Width = rendition.Width, Height = rendition.Height,
                Bytes = rendition.Bytes.Length, Kind = rendition.Kind,
            });
        }
        var item = new MediaItem
        {
            Id = mediaId,
            SourceType = photo.SourceType,
            SourceWidth = photo.Width,
            SourceHeight = photo.Height,
            Notes = photo.Notes,
            Renditions = renditions,
            Image = ImageOf(mediaId, renditions),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        await redis.GetDatabase().StringSetAsync(keys.Media(mediaId), JsonSerializer.Serialize(item, FeedStore.Json));
        await writeAcks.ConfirmAsync(keys.Media(mediaId));
        return item;
    }

    /// <summary>A photo's renditions as an article shows them (its alt text is the article's to give).</summary>
    private static ArticleImage ImageOf(string mediaId, IReadOnlyList<MediaRendition> renditions)
    {
        var widths = renditions.Where(r => r.Kind == "width").ToList();
        var jpeg = widths.Where(r => r.Type == "image/jpeg").OrderBy(r => r.Width).ToList();
        var webp = widths.Where(r => r.Type == "image/webp").OrderBy(r => r.Width).ToList();
        static string Srcset(IEnumerable<MediaRendition> set) => string.Join(", ", set.Select(r => $"{r.Url} {r.Width}w"));
        return new ArticleImage
        {
            MediaId = mediaId,
            Alt = "",
            Width = jpeg[^1].Width,
            Height = jpeg[^1].Height,
            Src = jpeg.OrderBy(r => Math.Abs(r.Width - 960)).First().Url,
            Srcset = Srcset(jpeg),
            WebpSrcset = Srcset(webp),
            Largest = jpeg[^1].Url,
            Social = renditions.First(r => r.Kind == "social").Url,
        };
    }

    /// <summary>Writes a content-addressed file unless it is there: written beside it and moved in, so no reader sees half a file.</summary>
    private static async Task WriteOnceAsync(string path, byte[] bytes)
    {
        if (File.Exists(path))
        {
            return;
        }
        var partial = $"{path}.{Guid.NewGuid():N}.partial";
        await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await file.WriteAsync(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(partial, path, overwrite: true);
    }
}
