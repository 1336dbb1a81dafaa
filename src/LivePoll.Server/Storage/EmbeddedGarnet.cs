using System.Net;
using System.Net.Sockets;
using Garnet;

namespace LivePoll.Server.Storage;

/// <summary>
/// Microsoft Garnet running inside this process on a loopback port: the store when no Redis is configured.
/// It speaks the Redis protocol, so the rest of LivePoll reaches it through the same StackExchange.Redis
/// code as a real Redis. Data lives only as long as the process.
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnet(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts Garnet on <paramref name="port"/>, or on a free loopback port when it is 0.</summary>
    public static EmbeddedGarnet Start(int port = 0)
    {
        // A free port is found by binding and releasing it; another process may take it in between,
        // so a few attempts are made before giving up.
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var candidate = port != 0 ? port : FreeLoopbackPort();
            try
            {
                var server = new GarnetServer(
                [
                    "--port", candidate.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--bind", "127.0.0.1",
                    "--lua", "true",
                    // No banner on stdout: the console is the log (one JSON object per line outside Development).
                    "-q",
                ]);
                server.Start();
                return new EmbeddedGarnet(server, candidate);
            }
            catch (Exception) when (port == 0 && attempt < attempts)
            {
                // The port was taken between probing and binding; try another.
            }
        }
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _server.Dispose();
}
