using System.Net;
using System.Security.Cryptography;
using System.Text;
using LivePoll.Server.Abuse;
using LivePoll.Server.Diagnostics;

namespace LivePoll.Server.Polls;

/// <summary>
/// Where a vote came from, as its audit record keeps it: the client's network (see <see cref="AddressPrefix"/>) as a
/// keyed hash (12 hex characters of HMAC-SHA256 with a server secret: votes from one network share it, and nobody can
/// turn it back into an address), and the transport: <c>3f2a9c01b7de|hub</c>. No raw address is stored.
/// </summary>
public sealed class VoteOrigins(VoterKeys voterKeys, AbuseLimiter limiter)
{
    /// <summary>The origin of a vote; an <paramref name="exempt"/> client (a load-tool key) is the network "exempt", never capped.</summary>
    public async ValueTask<string> DescribeAsync(IPAddress? address, VoteTransport transport, bool exempt)
    {
        var medium = transport == VoteTransport.Hub ? "hub" : "http";
        if (exempt)
        {
            return transport == VoteTransport.Hub ? "exempt|hub" : "exempt|http";
        }
        return Describe(await voterKeys.AuditKeyAsync(), limiter.Network(address), medium);
    }

    // A one-shot HMAC: no instance shared between the threads that count votes, so no lock on the vote path.
    private static string Describe(byte[] key, string network, string medium)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(network), mac);
        return $"{Convert.ToHexStringLower(mac[..6])}|{medium}";
    }
}
