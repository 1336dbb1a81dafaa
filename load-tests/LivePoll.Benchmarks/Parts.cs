using System.Diagnostics;
using LivePoll.Server.Media;
using SkiaSharp;

/// <summary>`-- parts`: where one photo's time goes (decode, resize, each encoder), for reading the benchmark.</summary>
public static class Parts
{
    public static void Run()
    {
        var bench = new PhotoBenchmarks();
        bench.MakePhoto();
        var photo = bench.Photo;
        for (var round = 0; round < 3; round++)
        {
            var watch = Stopwatch.StartNew();
            using var codec = SKCodec.Create(new SKMemoryStream(photo));
            var scaled = codec.GetScaledDimensions(0.4f);
            var info = new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Opaque, SKColorSpace.CreateSrgb());
            using var bitmap = new SKBitmap(info);
            codec.GetPixels(info, bitmap.GetPixels());
            var decode = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            using var resized = bitmap.Resize(new SKImageInfo(1600, 1200), new SKSamplingOptions(SKCubicResampler.Mitchell));
            var resize = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            using var image = SKImage.FromBitmap(resized);
            var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 82).Size;
            var jpegMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var webp = image.Encode(SKEncodedImageFormat.Webp, 78).Size;
            var webpMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var all = MediaPipeline.Process(photo, new MediaOptions()).Renditions.Count;
            Console.WriteLine($"decode to {scaled} {decode:0} ms, resize 1600 {resize:0} ms, jpeg 1600 {jpegMs:0} ms ({jpeg / 1024} KB), webp 1600 {webpMs:0} ms ({webp / 1024} KB), whole pipeline {watch.Elapsed.TotalMilliseconds:0} ms ({all} files)");
        }
        // CPU beside time: libvips works on several threads, SkiaSharp on one.
        foreach (var (name, run) in new (string, Func<int>)[] { ("SkiaSharp", bench.SkiaSharp), ("NetVips", bench.NetVips) })
        {
            run();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            const int times = 10;
            for (var i = 0; i < times; i++)
            {
                run();
            }
            var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            Console.WriteLine($"{name}: {clock.Elapsed.TotalMilliseconds / times:0} ms a photo, {used.TotalMilliseconds / times:0} ms of CPU");
        }
    }
}
