using System.Net.Http.Headers;
using System.Net.Http.Json;
using LivePoll.Contracts;
using LivePoll.Tests.Infrastructure;
using LivePoll.Tests.Polls;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LivePoll.Tests.ScaleOut;

/// <summary>
/// What the scale-out tests run, as docker-compose.yml does: two LivePoll node processes on one Redis, and nginx
/// with deploy/nginx.conf in front. Clients talk to the balancer; everything is stopped on dispose.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private Cluster(NodeProcess node1, NodeProcess node2, NginxProcess nginx)
    {
        Node1 = node1;
        Node2 = node2;
        Nginx = nginx;
        Http = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LivePollServer.EditorKey);
    }

    public NodeProcess Node1 { get; }

    public NodeProcess Node2 { get; }

    public NginxProcess Nginx { get; }

    /// <summary>An HTTP client to the balancer with the editor key (exempt from the limits on these nodes).</summary>
    public HttpClient Http { get; }

    /// <summary>The key prefix both nodes use (each cluster its own).</summary>
    public string Prefix { get; private init; } = "";

    /// <param name="settings">More environment variables for both nodes (e.g. <c>Redis__AckAfterReplicas</c>).</param>
    public static async Task<Cluster> StartAsync(string redisConfiguration, IReadOnlyDictionary<string, string>? settings = null)
    {
        var prefix = TestPrefix.New();
        var node1 = await NodeProcess.StartAsync("node-a", redisConfiguration, prefix, settings: settings);
        NodeProcess? node2 = null;
        try
        {
            node2 = await NodeProcess.StartAsync("node-b", redisConfiguration, prefix, settings: settings);
            return new Cluster(node1, node2, await NginxProcess.StartAsync(node1, node2)) { Prefix = prefix };
        }
        catch
        {
            await node1.DisposeAsync();
            if (node2 is not null)
            {
                await node2.DisposeAsync();
            }
            throw;
        }
    }

    public Task<PollSnapshot> CreatePollAsync(string question) => Http.CreateYesNoPollAsync(question);

    public async Task<string> NewVoterAsync() => (await NewVoterTokenAsync()).Token;

    /// <summary>A new voter: its token and the voter id the store files its vote under.</summary>
    public Task<VoterToken> NewVoterTokenAsync() => Http.NewVoterTokenAsync();

    /// <summary>A vote through the balancer; the answer is left to the caller (it may be an error while a part is down).</summary>
    public Task<HttpResponseMessage> VoteAsync(string pollId, string voterToken, string optionId) => Http.VoteAsync(pollId, voterToken, optionId);

    /// <summary>A hub client through the balancer as deployed clients connect: WebSockets, negotiation skipped. Not started.</summary>
    public HubConnection Client(string? apiKey = null, TimeSpan[]? reconnectDelays = null)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(Nginx.BaseAddress, HubPaths.Live), HttpTransportType.WebSockets, o =>
            {
                o.SkipNegotiation = true;
                o.AccessTokenProvider = apiKey is null ? null : () => Task.FromResult<string?>(apiKey);
            })
            .AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack)
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Critical));
        if (reconnectDelays is not null)
        {
            builder.WithAutomaticReconnect(reconnectDelays);
        }
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Nginx.DisposeAsync();
        await Node1.DisposeAsync();
        await Node2.DisposeAsync();
    }
}
