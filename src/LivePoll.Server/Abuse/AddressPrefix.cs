using System.Net;
using System.Net.Sockets;

namespace LivePoll.Server.Abuse;

/// <summary>
/// The network a client's address belongs to, for the limits: IPv4 addresses by <c>Limits:Ipv4PrefixLength</c> bits
/// (32, the address itself), IPv6 addresses by <c>Limits:Ipv6PrefixLength</c> bits (64: one home or phone usually
/// gets a whole /64, so its thousands of addresses count as one client).
/// </summary>
public static class AddressPrefix
{
    /// <summary>The prefix in CIDR form, e.g. <c>203.0.113.7/32</c> or <c>2001:db8:1:2::/64</c>; "unknown" without an address.</summary>
    public static string Of(IPAddress? address, int ipv4Bits, int ipv6Bits)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? ipv4Bits : ipv6Bits;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        bytes = bytes[..length];
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return $"{new IPAddress(bytes)}/{Math.Min(bits, length * 8)}";
    }
}
