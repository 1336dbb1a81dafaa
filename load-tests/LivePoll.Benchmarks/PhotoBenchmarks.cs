using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using LivePoll.Server.Media;
using NetVips;
using SkiaSharp;

/// <summary>
/// What one uploaded 12-megapixel phone photo (4000×3000 JPEG, quality 92, with an EXIF orientation) costs the server:
/// LivePoll's pipeline (SkiaSharp: decode at the scale needed, turn upright, 3 widths × JPEG and WebP, a 1200×630 crop),
/// and the same renditions made with NetVips (libvips: shrink-on-load, autorotate, strip). Single-threaded, so the time
/// of one operation is its CPU.
/// </summary>
[MemoryDiagnoser]
[ThreadingDiagnoser]
[Config(typeof(Quick))]
public class PhotoBenchmarks
{
    private byte[] _photo = [];

    public byte[] Photo => _photo;
    private readonly MediaOptions _options = new();

    private sealed class Quick : ManualConfig
    {
        public Quick() => AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(8).WithInvocationCount(1).WithUnrollFactor(1));
    }

    [GlobalSetup]
    public void MakePhoto()
    {
        // A photo-like picture: smooth gradients with fine noise (a flat picture would encode unrealistically fast).
        const int width = 4000, height = 3000;
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var pixels = new byte[width * height * 4];
        var random = new Random(42);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 4;
                var noise = random.Next(-24, 24);
                pixels[i] = (byte)Math.Clamp(x * 255 / width + noise, 0, 255);
                pixels[i + 1] = (byte)Math.Clamp(y * 255 / height + noise, 0, 255);
                pixels[i + 2] = (byte)Math.Clamp((x + y) * 128 / (width + height) + 64 + noise, 0, 255);
                pixels[i + 3] = 255;
            }
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        _photo = image.Encode(SKEncodedImageFormat.Jpeg, 92).ToArray();
        Console.WriteLine($"// The photo: {width}x{height} JPEG, {_photo.Length / 1048576.0:0.0} MB");
    }

    [Benchmark(Baseline = true, Description = "LivePoll (SkiaSharp)")]
    public int SkiaSharp() => MediaPipeline.Process(_photo, _options).Renditions.Sum(r => r.Bytes.Length);

    [Benchmark(Description = "NetVips (libvips)")]
    public int NetVips()
    {
        var total = 0;
        foreach (var width in _options.RenditionWidths)
        {
            // Shrink-on-load (JPEG's 1/2, 1/4, 1/8 scaling), EXIF orientation applied; "strip" writes no metadata.
            // Made once in memory, then encoded twice (a lazy thumbnail cannot be read a second time in order).
            using var thumbnail = Image.ThumbnailBuffer(_photo, width);
            using var rendition = thumbnail.CopyMemory();
            total += rendition.JpegsaveBuffer(q: _options.JpegQuality, keep: Enums.ForeignKeep.None).Length;
            total += rendition.WebpsaveBuffer(q: _options.WebpQuality, keep: Enums.ForeignKeep.None).Length;
        }
        using var social = Image.ThumbnailBuffer(_photo, MediaPipeline.SocialWidth, height: MediaPipeline.SocialHeight, crop: Enums.Interesting.Centre);
        total += social.JpegsaveBuffer(q: _options.JpegQuality, keep: Enums.ForeignKeep.None).Length;
        return total;
    }
}
