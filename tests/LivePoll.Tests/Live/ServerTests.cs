using System.Net;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.Server.Live;
using LivePoll.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LivePoll.Tests.Live;

/// <summary>The running server on each store: health, the hub on both protocols, metrics, API description, errors.</summary>
public abstract class ServerTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime
    where TStore : class, IStoreFixture
{
    private LivePollServer _server = null!;

    public async Task InitializeAsync() => _server = await LivePollServer.StartAsync(store.Configuration);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Health_endpoints_report_live_and_ready()
    {
        using var live = await _server.Http.GetAsync("/health/live").DefaultTimeout();
        using var ready = await _server.Http.GetAsync("/health/ready").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.True(body.RootElement.GetProperty("checks").GetProperty("store").TryGetProperty("data", out _), "the newsroom sees the details");

        // Anyone else sees the status only: no store address, no error text.
        using var anonymous = await _server.Anonymous.GetAsync("/health/ready").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        var text = await anonymous.Content.ReadAsStringAsync();
        using var plain = JsonDocument.Parse(text);
        Assert.Equal("Healthy", plain.RootElement.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.DoesNotContain("127.0.0.1", text);
        Assert.DoesNotContain("description", text);
    }

    [Theory]
    [InlineData(WireProtocol.Json)]
    [InlineData(WireProtocol.MessagePack)]
    public async Task Hub_answers_over_websockets_on_each_protocol(WireProtocol protocol)
    {
        await using var connection = await _server.ConnectAsync(protocol);

        var info = await connection.InvokeAsync<ServerInfo>(HubMethods.GetServerInfo).DefaultTimeout();

        Assert.Equal(_server.Services.GetRequiredService<NodeInfo>().Name, info.Node);
        Assert.Equal(DateTimeKind.Utc, info.ServerTime.Kind);
        Assert.InRange(info.ServerTime, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Hub_refuses_a_method_that_does_not_exist_with_a_clear_message()
    {
        await using var connection = await _server.ConnectAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<object>("NoSuchMethod")).DefaultTimeout();

        Assert.Contains("NoSuchMethod", error.Message);
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task Metrics_export_LivePoll_SignalR_and_ASP_NET_Core_meters_in_Prometheus_format()
    {
        await using var connection = await _server.ConnectAsync();
        (await _server.Http.GetAsync("/health/ready").DefaultTimeout()).Dispose();

        using var response = await _server.Http.GetAsync("/metrics").DefaultTimeout();
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("livepoll_store_latency_bucket", text);
        Assert.Contains("livepoll_fanout_deferred", text);
        Assert.Contains("livepoll_fanout_busy", text);
        Assert.Contains("signalr_server_active_connections", text);
        Assert.Contains("http_server_request_duration", text);
        Assert.DoesNotContain("private_internaldiagnostics", text);
    }

    [Fact]
    public async Task Serves_an_OpenAPI_document_and_a_reference_page()
    {
        using var document = JsonDocument.Parse(await _server.Http.GetStringAsync("/openapi/v1.json").DefaultTimeout());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
        Assert.Equal("LivePoll API", document.RootElement.GetProperty("info").GetProperty("title").GetString());

        using var page = await _server.Http.GetAsync("/docs").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_paths_answer_with_problem_details()
    {
        using var response = await _server.Http.GetAsync("/api/no-such-thing").DefaultTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Backplane_carries_a_broadcast_from_another_node_on_the_same_store()
    {
        // A second node on the same store and key prefix: a send on one reaches clients of the other.
        var prefix = _server.Services.GetRequiredService<LivePoll.Server.Storage.RedisKeys>().Prefix;
        await using var other = await LivePollServer.StartAsync(store.Configuration, new Dictionary<string, string?> { ["Redis:KeyPrefix"] = prefix });
        await using var connection = await _server.ConnectAsync();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<string>("BackplaneProbe", m => received.TrySetResult(m));

        var hub = other.Services.GetRequiredService<IHubContext<LiveHub>>();
        await hub.Clients.All.SendAsync("BackplaneProbe", "from the other node").DefaultTimeout();

        Assert.Equal("from the other node", await received.Task.DefaultTimeout());
    }
}

public sealed class ServerTestsOnRedis(RedisStoreFixture store) : ServerTests<RedisStoreFixture>(store);

public sealed class ServerTestsOnGarnet(GarnetStoreFixture store) : ServerTests<GarnetStoreFixture>(store);
