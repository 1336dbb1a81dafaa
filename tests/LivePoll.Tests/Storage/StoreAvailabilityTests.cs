using System.Net;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Storage;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Storage;

/// <summary>Which store the server uses, and how it behaves while that store is missing.</summary>
public sealed class StoreAvailabilityTests
{
    [Fact]
    public async Task With_no_Redis_configured_the_server_runs_on_embedded_Garnet()
    {
        await using var server = await LivePollServer.StartAsync(redisConfiguration: "");

        var store = server.Services.GetRequiredService<StoreConnection>();
        Assert.True(store.IsEmbedded);
        Assert.StartsWith("127.0.0.1:", store.Endpoint);
        using var ready = await server.Http.GetAsync("/health/ready").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        await using var connection = await server.ConnectAsync(WireProtocol.MessagePack);
        var info = await connection.InvokeAsync<ServerInfo>(HubMethods.GetServerInfo).DefaultTimeout();
        Assert.False(string.IsNullOrEmpty(info.Node));
    }

    [Fact]
    public async Task With_nothing_listening_the_server_is_live_not_ready_and_recovers_when_Redis_appears()
    {
        // Held closed until Redis takes it: a port only probed free and let go was taken in one run of the suite (by
        // another test's store, or as the server's own outgoing port), and the server reported ready.
        using var held = new ClosedLoopbackPort();
        var port = held.Port;
        await using var server = await LivePollServer.StartAsync($"127.0.0.1:{port}");

        using (var live = await server.Http.GetAsync("/health/live").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        using (var ready = await server.Http.GetAsync("/health/ready").DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            var description = body.RootElement.GetProperty("checks").GetProperty("store").GetProperty("description").GetString();
            Assert.Contains($"127.0.0.1:{port}", description);
            Assert.Contains("not reachable", description);
            Assert.Contains("keeps retrying", description);
        }

        // The server kept retrying in the background: once Redis listens there, it becomes ready by itself.
        held.Dispose();
        await using var redis = await RedisServerProcess.StartAsync(port);
        await TimeoutExtensions.WaitUntilAsync(async () =>
        {
            using var ready = await server.Http.GetAsync("/health/ready");
            return ready.StatusCode == HttpStatusCode.OK;
        }, "the server reports ready after Redis started", TimeSpan.FromSeconds(60));
    }
}
