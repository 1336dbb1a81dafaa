using System.Net;
using System.Net.Sockets;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// A loopback port held bound but not listening, for tests that need "nothing listens there": a connection to it is
/// refused, no other test's server or store can listen on it, and the kernel gives it to no outgoing connection (which
/// would connect to itself) until it is disposed. A port merely probed free and let go guarantees none of that.
/// </summary>
public sealed class ClosedLoopbackPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedLoopbackPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>Lets the port go, e.g. for a server to start listening on it.</summary>
    public void Dispose() => _socket.Dispose();
}
