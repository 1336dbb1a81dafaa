using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace LivePoll.Server.Polls;

/// <summary>
/// A counted answer's receipt id: the first 12 bytes (16 base64url characters) of an HMAC-SHA256, under a key derived from
/// the store's derivation key, of the poll, the voter, the time the store counted it and the choices before and after.
/// The node computes it when the store answers the vote, and the tally log's writer computes the same from the audit
/// record, so the store keeps no receipt beside its records and a vote costs one HMAC more. Without the key a receipt
/// tells nothing about who voted; the same voter's answers in two polls get unrelated receipts.
/// </summary>
public sealed class VoteReceipts(VoterKeys voterKeys)
{
    private byte[]? _key;

    public async ValueTask<byte[]> KeyAsync() => _key ??= await voterKeys.ReceiptKeyAsync();

    /// <summary>An HMAC under the receipt key, for many receipts in a row (one per batch: making one costs more than using it).</summary>
    public static IncrementalHash NewHmac(byte[] key) => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);

    public static string Of(IncrementalHash hmac, string pollId, string voter, long atMs, string choices, string previous)
    {
        var text = Encoding.UTF8;
        var most = text.GetMaxByteCount(pollId.Length + voter.Length + choices.Length + previous.Length) + 24;
        Span<byte> input = most <= 512 ? stackalloc byte[512] : new byte[most];
        var length = text.GetBytes(pollId, input);
        input[length++] = (byte)'\n';
        length += text.GetBytes(voter, input[length..]);
        input[length++] = (byte)'\n';
        atMs.TryFormat(input[length..], out var digits, provider: CultureInfo.InvariantCulture);
        length += digits;
        input[length++] = (byte)'\n';
        length += text.GetBytes(choices, input[length..]);
        input[length++] = (byte)'\n';
        length += text.GetBytes(previous, input[length..]);
        hmac.AppendData(input[..length]);
        Span<byte> mac = stackalloc byte[32];
        hmac.GetHashAndReset(mac);
        return WebEncoders.Base64UrlEncode(mac[..12]);
    }

    /// <summary>Whether <paramref name="receipt"/> could be one (16 base64url characters): anything else is refused before the store.</summary>
    public static bool IsWellFormed(string? receipt) =>
        receipt is { Length: 16 } && receipt.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
