using MessagePack;

namespace LivePoll.Contracts;

/// <summary>
/// A photo as LivePoll serves it: renditions made from one upload (JPEG and WebP at a few widths, and a 1200×630 crop
/// for link previews), every metadata block stripped, orientation applied, under content-addressed names that never
/// change (cached for a year). URLs are paths on the site (<c>/media/…</c>).
/// </summary>
[MessagePackObject]
public sealed record ArticleImage
{
    /// <summary>The upload the renditions were made from (<c>POST /api/newsroom/media</c>).</summary>
    [Key("mediaId")] public required string MediaId { get; init; }

    /// <summary>What the photo shows, for readers who cannot see it (required for a main photo and for images in a body).</summary>
    [Key("alt")] public required string Alt { get; init; }

    /// <summary>Width and height of the largest rendition, in pixels (their ratio is every rendition's).</summary>
    [Key("width")] public required int Width { get; init; }

    [Key("height")] public required int Height { get; init; }

    /// <summary>The JPEG for <c>src</c>: the rendition closest to 960 pixels wide.</summary>
    [Key("src")] public required string Src { get; init; }

    /// <summary>Every JPEG rendition as an <c>srcset</c> ("/media/….jpg 480w, …").</summary>
    [Key("srcset")] public required string Srcset { get; init; }

    /// <summary>Every WebP rendition as an <c>srcset</c>, for a <c>&lt;source type="image/webp"&gt;</c>.</summary>
    [Key("webpSrcset")] public required string WebpSrcset { get; init; }

    /// <summary>The largest JPEG (feeds' enclosures).</summary>
    [Key("largest")] public required string Largest { get; init; }

    /// <summary>The 1200×630 JPEG crop for link previews (og:image).</summary>
    [Key("social")] public required string Social { get; init; }
}

/// <summary>One file made from an upload.</summary>
public sealed record MediaRendition
{
    public required string Url { get; init; }

    /// <summary><c>image/jpeg</c> or <c>image/webp</c>.</summary>
    public required string Type { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required long Bytes { get; init; }

    /// <summary><c>width</c> (a rendition of the whole photo) or <c>social</c> (the 1200×630 crop).</summary>
    public required string Kind { get; init; }
}

/// <summary>What an upload became (<c>POST /api/newsroom/media</c>, <c>GET /api/newsroom/media/{id}</c>).</summary>
public sealed record MediaItem
{
    /// <summary>The photo's id: the same file uploaded twice is one photo.</summary>
    public required string Id { get; init; }

    /// <summary>What the file was, as its bytes say: <c>image/jpeg</c>, <c>image/png</c> or <c>image/webp</c>.</summary>
    public required string SourceType { get; init; }

    /// <summary>The photo's size as uploaded, after its orientation was applied.</summary>
    public required int SourceWidth { get; init; }

    public required int SourceHeight { get; init; }

    /// <summary>What the renditions left out: metadata stripped, frames after the first of an animation, colour converted.</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public required IReadOnlyList<MediaRendition> Renditions { get; init; }

    /// <summary>Ready for an article: <see cref="ArticleImage"/> without its alt text.</summary>
    public required ArticleImage Image { get; init; }

    public required DateTime CreatedAt { get; init; }
}
