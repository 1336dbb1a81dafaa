using SkiaSharp;

namespace LivePoll.Server.Media;

/// <summary>Why an upload was refused: the HTTP status to answer and a sentence the photo desk can act on.</summary>
public sealed class MediaRefusal(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;
}

/// <summary>One encoded file of a processed photo, before it is stored.</summary>
public sealed record EncodedRendition(byte[] Bytes, string Type, string Extension, int Width, int Height, string Kind);

/// <summary>What a photo became: its renditions, and what was left out on the way.</summary>
public sealed record ProcessedPhoto(string SourceType, int Width, int Height, IReadOnlyList<EncodedRendition> Renditions, IReadOnlyList<string> Notes);

/// <summary>
/// Every uploaded photo goes through here (SkiaSharp): the type is decided by the bytes, never the name or the
/// Content-Type; JPEG, PNG and WebP are taken, anything else refused (415); a photo of more pixels than allowed is refused
/// from its header, before a byte of it is decoded; a truncated file is refused rather than published half grey. The photo
/// is decoded into sRGB (colour profiles converted), turned the way its EXIF orientation says, and encoded anew as JPEG
/// and WebP at each width and as a 1200×630 crop: new files carry none of the original's metadata (EXIF with GPS
/// position and camera serials, XMP, IPTC, maker notes), since encoders write pixels, not the source's blocks.
/// </summary>
public static class MediaPipeline
{
    public const int SocialWidth = 1200, SocialHeight = 630;

    private static readonly SKSamplingOptions Sampling = new(SKCubicResampler.Mitchell);

    public static ProcessedPhoto Process(byte[] data, MediaOptions options)
    {
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var created);
        if (codec is null)
        {
            throw Unsupported(LooksLikeHeif(data)
                ? "This is a HEIC/HEIF photo, which this server cannot read: export it as JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible) and upload again."
                : created == SKCodecResult.IncompleteInput
                    ? "The file ends before the photo's header does: the upload was cut short, or the file is damaged."
                    : "This file is not a JPEG, PNG or WebP photo (whatever its name says). Upload a photo in one of those formats.");
        }
        var sourceType = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Jpeg => "image/jpeg",
            SKEncodedImageFormat.Png => "image/png",
            SKEncodedImageFormat.Webp => "image/webp",
            SKEncodedImageFormat.Heif or SKEncodedImageFormat.Avif => throw Unsupported(
                "HEIC/HEIF and AVIF photos are not taken here: export the photo as JPEG and upload again."),
            var other => throw Unsupported($"{other} files are not taken: upload a JPEG, PNG or WebP photo."),
        };

        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > options.MaxPixels)
        {
            throw new MediaRefusal(StatusCodes.Status400BadRequest, "Photo too large",
                $"The photo is {width}×{height} pixels ({(long)width * height / 1_000_000.0:0.#} MP); at most {options.MaxPixels / 1_000_000.0:0.#} MP is taken. Export it smaller and upload again.");
        }
        if (width < 16 || height < 16)
        {
            throw new MediaRefusal(StatusCodes.Status400BadRequest, "Photo too small", $"The photo is {width}×{height} pixels: too small to publish.");
        }

        var notes = new List<string> { "metadata stripped (EXIF, GPS, XMP, IPTC)" };
        if (codec.FrameCount > 1)
        {
            notes.Add($"an animation of {codec.FrameCount} frames: its first frame is used");
        }
        using var decoded = Decode(codec, options);
        using var upright = Orient(decoded, codec.EncodedOrigin);
        if (codec.EncodedOrigin != SKEncodedOrigin.TopLeft)
        {
            notes.Add($"turned upright ({codec.EncodedOrigin})");
        }
        var (uprightWidth, uprightHeight) = Oriented(width, height, codec.EncodedOrigin);

        var renditions = new List<EncodedRendition>();
        var widths = options.RenditionWidths.Where(w => w < uprightWidth).ToList();
        if (widths.Count < options.RenditionWidths.Count)
        {
            // A photo narrower than the widest rendition is kept at its own width once (never enlarged).
            widths.Add(Math.Min(uprightWidth, options.RenditionWidths[^1]));
        }
        foreach (var w in widths.Distinct())
        {
            var h = Math.Max(1, (int)Math.Round((double)uprightHeight * w / uprightWidth));
            using var resized = w == upright.Width && h == upright.Height ? upright.Copy() : upright.Resize(new SKImageInfo(w, h, upright.ColorType, upright.AlphaType, upright.ColorSpace), Sampling);
            renditions.Add(Encode(resized, SKEncodedImageFormat.Jpeg, options.JpegQuality, "width"));
            renditions.Add(Encode(resized, SKEncodedImageFormat.Webp, options.WebpQuality, "width"));
        }
        using (var social = Cover(upright, SocialWidth, SocialHeight))
        {
            renditions.Add(Encode(social, SKEncodedImageFormat.Jpeg, options.JpegQuality, "social"));
        }
        return new ProcessedPhoto(sourceType, uprightWidth, uprightHeight, renditions, notes);
    }

    /// <summary>
    /// Decodes at the smallest size the renditions need: JPEG decodes natively at 1/2, 1/4 or 1/8, which makes a 12 MP
    /// photo several times cheaper when 1,600 pixels are all that is wanted.
    /// </summary>
    private static SKBitmap Decode(SKCodec codec, MediaOptions options)
    {
        var (w, h) = Oriented(codec.Info.Width, codec.Info.Height, codec.EncodedOrigin);
        var needed = Math.Max(Math.Max((double)options.RenditionWidths[^1] / w, (double)SocialWidth / w), (double)SocialHeight / h);
        var size = codec.Info.Size;
        // The smallest of the eighths the decoder can scale to natively that still holds every rendition's pixels.
        for (var eighths = 1; eighths < 8 && needed < 1; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            var (sw, sh) = Oriented(scaled.Width, scaled.Height, codec.EncodedOrigin);
            if (sw >= Math.Min(w, Math.Max(options.RenditionWidths[^1], SocialWidth)) && sh >= Math.Min(h, SocialHeight))
            {
                size = scaled;
                break;
            }
        }
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888,
            codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul, SKColorSpace.CreateSrgb());
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(0));
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw result is SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput
                ? new MediaRefusal(StatusCodes.Status400BadRequest, "Photo incomplete",
                    "The photo's data ends early or is damaged (a cut-short upload or a broken file); nothing was stored. Upload the whole file again.")
                : new MediaRefusal(StatusCodes.Status400BadRequest, "Photo unreadable", $"The photo could not be decoded ({result}); nothing was stored.");
        }
        return bitmap;
    }

    private static (int Width, int Height) Oriented(int width, int height, SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom
            ? (height, width) : (width, height);

    /// <summary>The bitmap turned the way its EXIF orientation says (a phone held sideways), as a new bitmap.</summary>
    private static SKBitmap Orient(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return source.Copy();
        }
        var (w, h) = Oriented(source.Width, source.Height, origin);
        var turned = new SKBitmap(new SKImageInfo(w, h, source.ColorType, source.AlphaType, source.ColorSpace));
        using var canvas = new SKCanvas(turned);
        canvas.SetMatrix(OriginMatrix(origin, source.Width, source.Height));
        canvas.DrawBitmap(source, 0, 0);
        return turned;
    }

    /// <summary>The transform that draws a bitmap stored with <paramref name="origin"/> upright (EXIF orientations 2–8).</summary>
    private static SKMatrix OriginMatrix(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    /// <summary>The photo scaled to cover <paramref name="width"/>×<paramref name="height"/>, its middle kept.</summary>
    private static SKBitmap Cover(SKBitmap source, int width, int height)
    {
        var scale = Math.Max((float)width / source.Width, (float)height / source.Height);
        var (sw, sh) = (width / scale, height / scale);
        var from = SKRect.Create((source.Width - sw) / 2, (source.Height - sh) / 2, sw, sh);
        var crop = new SKBitmap(new SKImageInfo(width, height, source.ColorType, source.AlphaType, source.ColorSpace));
        using var canvas = new SKCanvas(crop);
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, from, SKRect.Create(width, height), Sampling);
        return crop;
    }

    private static EncodedRendition Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality, string kind)
    {
        SKBitmap? flattened = null;
        if (format == SKEncodedImageFormat.Jpeg && bitmap.AlphaType != SKAlphaType.Opaque)
        {
            // JPEG has no transparency: a transparent PNG is laid on white, as a reader's page would show it.
            flattened = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Opaque, bitmap.ColorSpace));
            using var canvas = new SKCanvas(flattened);
            canvas.Clear(SKColors.White);
            canvas.DrawBitmap(bitmap, 0, 0);
        }
        try
        {
            using var image = SKImage.FromBitmap(flattened ?? bitmap);
            using var encoded = image.Encode(format, quality);
            return format == SKEncodedImageFormat.Jpeg
                ? new EncodedRendition(encoded.ToArray(), "image/jpeg", "jpg", bitmap.Width, bitmap.Height, kind)
                : new EncodedRendition(encoded.ToArray(), "image/webp", "webp", bitmap.Width, bitmap.Height, kind);
        }
        finally
        {
            flattened?.Dispose();
        }
    }

    private static MediaRefusal Unsupported(string detail) =>
        new(StatusCodes.Status415UnsupportedMediaType, "Not a photo this server takes", detail);

    /// <summary>An ISO base media file whose brand is one of HEIF's (what iPhones save).</summary>
    private static bool LooksLikeHeif(byte[] data) =>
        data.Length > 12 && data[4] == 'f' && data[5] == 't' && data[6] == 'y' && data[7] == 'p'
        && System.Text.Encoding.ASCII.GetString(data, 8, 4) is "heic" or "heix" or "hevc" or "heim" or "heis" or "mif1" or "msf1" or "avif";
}
