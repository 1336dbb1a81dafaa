using System.ComponentModel.DataAnnotations;

namespace LivePoll.Server.Media;

/// <summary>Photos the newsroom uploads (section <c>Media</c>).</summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    /// <summary>
    /// Where the renditions are kept. Empty: <c>media</c> inside the embedded store's data folder (so backups, restores,
    /// exports and imports carry the photos); with Redis, <c>media</c> under the content root; with the embedded store in
    /// memory only, a temporary folder that lasts as long as the process. Several nodes need one shared folder (a volume).
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>Largest file an upload may be, in bytes (20 MB).</summary>
    [Range(1_024, 200_000_000)]
    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Most pixels a photo may have (50 MP): more is refused before anything is decoded (decompression bombs).</summary>
    [Range(1_000, 500_000_000)]
    public long MaxPixels { get; set; } = 50_000_000;

    /// <summary>Widths of the renditions, in pixels (never wider than the photo).</summary>
    public List<int> Widths { get; set; } = [];

    /// <summary>The widths used when none are configured.</summary>
    public static readonly int[] DefaultWidths = [480, 960, 1600];

    public IReadOnlyList<int> RenditionWidths => Widths.Count > 0 ? Widths.Order().ToList() : DefaultWidths;

    [Range(30, 100)]
    public int JpegQuality { get; set; } = 82;

    [Range(30, 100)]
    public int WebpQuality { get; set; } = 78;
}
