using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using SkiaSharp;

namespace LivePoll.Tests.Infrastructure;

/// <summary>Photos made for the tests: a phone's JPEG with GPS, a camera serial, XMP and an orientation, and hostile files.</summary>
public static class TestPhotos
{
    /// <summary>
    /// A JPEG stored sideways as phones do (<paramref name="width"/>×<paramref name="height"/> pixels, left half red, right
    /// half blue) whose EXIF orientation (6: turn 90° clockwise) says it stands upright, with a GPS position, a camera serial
    /// number, a maker's name and an XMP packet naming a source, written by Debian's exiftool as a phone would.
    /// </summary>
    public static async Task<byte[]> PhoneJpegAsync(int width = 1200, int height = 800)
    {
        var path = Path.Combine(Path.GetTempPath(), $"livepoll-phone-{Guid.NewGuid():N}.jpg");
        try
        {
            await File.WriteAllBytesAsync(path, Jpeg(width, height));
            await ExifToolAsync("-overwrite_original", "-GPSLatitude=43.238949", "-GPSLatitudeRef=N", "-GPSLongitude=76.889709", "-GPSLongitudeRef=E",
                "-SerialNumber=CAM-SERIAL-0042", "-Make=TestPhone", "-Model=Secret Model 9", "-XMP-dc:Creator=Confidential Source",
                "-XMP-dc:Description=Meeting point", "-IPTC:By-line=Hidden Photographer", "-Orientation#=6", path);
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A plain JPEG: left half red, right half blue.</summary>
    public static byte[] Jpeg(int width, int height, int quality = 90)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var red = new SKPaint { Color = SKColors.Red };
            using var blue = new SKPaint { Color = SKColors.Blue };
            canvas.DrawRect(0, 0, width / 2f, height, red);
            canvas.DrawRect(width / 2f, 0, width - width / 2f, height, blue);
        }
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(SKEncodedImageFormat.Jpeg, quality).ToArray();
    }

    /// <summary>A JPEG of random pixels: large for its size in pixels, as a detailed photo is.</summary>
    public static byte[] NoisyJpeg(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var noise = new byte[width * height * 4];
        Random.Shared.NextBytes(noise);
        for (var i = 3; i < noise.Length; i += 4)
        {
            noise[i] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(noise, 0, bitmap.GetPixels(), noise.Length);
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(SKEncodedImageFormat.Jpeg, 92).ToArray();
    }

    /// <summary>
    /// A PNG that claims <paramref name="width"/>×<paramref name="height"/> pixels, every one of them black: a few hundred
    /// kilobytes that would decode into gigabytes (a decompression bomb).
    /// </summary>
    public static byte[] HugePng(int width, int height)
    {
        using var file = new MemoryStream();
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bits per sample
        header[9] = 0;   // greyscale
        Chunk(file, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                var row = new byte[width + 1];
                for (var y = 0; y < height; y++)
                {
                    zlib.Write(row);
                }
            }
            Chunk(file, "IDAT", compressed.ToArray());
        }
        Chunk(file, "IEND", []);
        return file.ToArray();
    }

    private static void Chunk(Stream to, string type, byte[] data)
    {
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        to.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        to.Write(typed);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        to.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }

    /// <summary>Every tag exiftool finds in <paramref name="file"/>, by group:name (e.g. "GPS:GPSLatitude", "XMP-dc:Creator").</summary>
    public static async Task<IReadOnlyDictionary<string, string>> TagsAsync(byte[] file)
    {
        var path = Path.Combine(Path.GetTempPath(), $"livepoll-tags-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, file);
        try
        {
            var json = await ExifToolAsync("-j", "-G1", "-a", "-u", path);
            using var document = JsonDocument.Parse(json);
            return document.RootElement[0].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<string> ExifToolAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(ChildProcess.FindTool("exiftool", "libimage-exiftool-perl"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().DefaultTimeout();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"exiftool {string.Join(' ', arguments)} failed: {await errors}");
        }
        return await output;
    }
}
