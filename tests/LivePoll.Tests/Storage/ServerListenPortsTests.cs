using System.Net;
using System.Net.Sockets;
using LivePoll.Server.Storage;
using Microsoft.Extensions.Configuration;

namespace LivePoll.Tests.Storage;

/// <summary>
/// The embedded store starts before Kestrel binds, so its free port must not be one of the server's own HTTP ports
/// (a clean-clone run once restarted a killed node on its old port and the store took that port first).
/// </summary>
public sealed class ServerListenPortsTests
{
    [Fact]
    public void Reads_the_ports_of_every_way_a_server_is_told_where_to_listen()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:5001; http://[::1]:5002/base;http://+:5003",
            ["http_ports"] = "5004;5005",
            ["https_ports"] = "5006",
            ["Kestrel:Endpoints:Public:Url"] = "http://*:5007",
            ["Kestrel:Endpoints:Admin:Url"] = "https://localhost:5008/",
        }).Build();

        Assert.Equal([5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008], ServerListenPorts.From(configuration).Order());
    }

    [Fact]
    public void A_url_without_a_port_or_no_urls_at_all_reserve_nothing()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://localhost;http://[::1]",
        }).Build();

        Assert.Empty(ServerListenPorts.From(configuration));
        Assert.Empty(ServerListenPorts.From(new ConfigurationBuilder().Build()));
    }

    [Fact]
    public void A_free_port_is_never_a_reserved_one()
    {
        // Reserve the very port the kernel just offered (let go of, so it would be offered again soon): the store's
        // probe must step past it, as it must past a restarted node's own port.
        var reserved = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            reserved.Add(((IPEndPoint)probe.LocalEndpoint).Port);
        }
        for (var i = 0; i < 50; i++)
        {
            Assert.DoesNotContain(EmbeddedGarnet.FreeLoopbackPort(reserved), reserved);
        }
    }
}
