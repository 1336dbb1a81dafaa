using System.Text;
using MessagePack;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>Reading single fields out of MessagePack maps without decoding (or allocating) the rest.</summary>
internal static class MessagePackFields
{
    /// <summary>Reads a string (a map key, an enum name) as UTF-8 bytes, without allocating when it lies in one segment.</summary>
    public static ReadOnlySpan<byte> ReadUtf8(ref MessagePackReader reader) =>
        reader.TryReadStringSpan(out var span) ? span : Encoding.UTF8.GetBytes(reader.ReadString() ?? "");

    /// <summary>Reads a map key and tells whether it is <paramref name="key"/> (UTF-8), without allocating a string.</summary>
    public static bool IsKey(ref MessagePackReader reader, ReadOnlySpan<byte> key)
    {
        if (reader.TryReadStringSpan(out var span))
        {
            return span.SequenceEqual(key);
        }
        var text = reader.ReadString();
        return text is not null && Encoding.UTF8.GetBytes(text).AsSpan().SequenceEqual(key);
    }
}
