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

    public static string Of(byte[] key, string pollId, string voter, long atMs, string choices, string previous)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{pollId}\n{voter}\n{atMs}\n{choices}\n{previous}");
        Span<byte> input = stackalloc byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        var length = Encoding.UTF8.GetBytes(text, input);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, input[..length], mac);
        return WebEncoders.Base64UrlEncode(mac[..12]);
    }

    /// <summary>Whether <paramref name="receipt"/> could be one (16 base64url characters): anything else is refused before the store.</summary>
    public static bool IsWellFormed(string? receipt) =>
        receipt is { Length: 16 } && receipt.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
