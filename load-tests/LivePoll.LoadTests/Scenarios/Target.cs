using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LivePoll.LoadTests.Scenarios;

public enum Transport
{
    Hub,
    Http,
}

public enum Protocol
{
    Json,
    MessagePack,
}

/// <summary>The transport of the tool's hub connections.</summary>
public enum HubTransport
{
    /// <summary>WebSockets with negotiation skipped: one request, any node (what pages try first).</summary>
    WebSockets,

    /// <summary>Negotiated, then Server-Sent Events for what the server sends and a POST per message the client sends.</summary>
    ServerSentEvents,

    /// <summary>Negotiated, then a long poll at a time for what the server sends and a POST per message the client sends.</summary>
    LongPolling,
}

/// <summary>How the tool's hub connections (simulated readers, hub voters) talk to the hub.</summary>
public enum ReaderClient
{
    /// <summary>A raw WebSocket with the MessagePack protocol reading only what the measurement needs (MessagePack only).</summary>
    Light,

    /// <summary>The official .NET SignalR client, decoding every message in full, as an app would.</summary>
    Full,
}

/// <summary>
/// The servers under test: one or more node URLs that clients are spread over, the API key the tool uses
/// (a newsroom key, exempt from the abuse limits, so one machine can act as thousands of readers), and the
/// wire protocol.
/// </summary>
public sealed class Target : IDisposable
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    private readonly HttpClient[] _http;
    private int _next;

    public Target(IReadOnlyList<Uri> urls, string? apiKey, Protocol protocol, ReaderClient readers = ReaderClient.Light,
        HubTransport transport = HubTransport.WebSockets)
    {
        if (urls.Count == 0)
        {
            throw new ArgumentException("Give at least one --target-url.");
        }
        Urls = urls;
        ApiKey = apiKey;
        Protocol = protocol;
        HubTransport = transport;
        // The light client speaks MessagePack over a WebSocket only; JSON readers and other transports use the full client.
        LightClients = readers == ReaderClient.Light && protocol == Protocol.MessagePack && transport == HubTransport.WebSockets;
        _http = urls.Select(url =>
        {
            var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                BaseAddress = url,
                Timeout = TimeSpan.FromSeconds(30),
            };
            if (apiKey is not null)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }
            return client;
        }).ToArray();
    }

    public IReadOnlyList<Uri> Urls { get; }

    public string? ApiKey { get; }

    public Protocol Protocol { get; }

    public HubTransport HubTransport { get; }

    /// <summary>Process ids of the servers when they run on this machine: their CPU is then read from /proc, not /metrics.</summary>
    public IReadOnlyList<int> ServerPids { get; init; } = [];

    /// <summary>Whether simulated readers and hub voters use light hub connections (<see cref="LightHub"/>) rather than the full SignalR client.</summary>
    public bool LightClients { get; }

    /// <summary>The hub's URL on node <paramref name="index"/> (mod the node count).</summary>
    public Uri HubUrl(int index) => new(Urls[index % Urls.Count], HubPaths.Live);

    /// <summary>The next node's HTTP client, round robin.</summary>
    public HttpClient Http => _http[(int)((uint)Interlocked.Increment(ref _next) % _http.Length)];

    /// <summary>A hub connection to node <paramref name="index"/> (mod the node count), started, with automatic reconnect.</summary>
    public async Task<HubConnection> ConnectAsync(int index, RunMeter meter, CancellationToken cancellationToken)
    {
        var url = HubUrl(index);
        var negotiated = HubTransport != HubTransport.WebSockets;
        if (negotiated)
        {
            // A route of its own keeps a negotiated connection's requests on one node behind a balancer (deploy/nginx.conf).
            url = new Uri(url + "?route=" + Guid.NewGuid().ToString("N"));
        }
        var builder = new HubConnectionBuilder()
            .WithUrl(url, HubTransport switch
            {
                HubTransport.ServerSentEvents => HttpTransportType.ServerSentEvents,
                HubTransport.LongPolling => HttpTransportType.LongPolling,
                _ => HttpTransportType.WebSockets,
            }, o =>
            {
                o.SkipNegotiation = !negotiated;
                o.AccessTokenProvider = ApiKey is null ? null : () => Task.FromResult<string?>(ApiKey);
            })
            .WithAutomaticReconnect(new JitteredRetry())
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Critical));
        if (Protocol == Protocol.MessagePack)
        {
            builder.AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack);
        }
        else
        {
            builder.AddJsonProtocol(o => WireFormats.Configure(o.PayloadSerializerOptions));
        }
        var connection = builder.Build();
        connection.ServerTimeout = TimeSpan.FromSeconds(60);
        connection.Reconnecting += _ => { Interlocked.Increment(ref meter.Disconnects); return Task.CompletedTask; };
        connection.Reconnected += _ => { Interlocked.Increment(ref meter.Reconnects); return Task.CompletedTask; };
        connection.Closed += error =>
        {
            if (error is not null)
            {
                meter.Error(error);
            }
            return Task.CompletedTask;
        };
        await connection.StartAsync(cancellationToken);
        Interlocked.Increment(ref meter.Connects);
        return connection;
    }

    /// <summary>Signed voter tokens from the server, <paramref name="count"/> of them.</summary>
    public async Task<string[]> VoterTokensAsync(int count, CancellationToken cancellationToken)
    {
        var tokens = new string[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            using var response = await Http.PostAsync("/api/voters", null, ct);
            response.EnsureSuccessStatusCode();
            tokens[i] = (await response.Content.ReadFromJsonAsync<VoterToken>(Json, ct))!.Token;
        });
        return tokens;
    }

    /// <summary>A new poll of <paramref name="kind"/>: <paramref name="options"/> options (a quiz's first is right; a rating is 1–5).</summary>
    public async Task<PollSnapshot> CreatePollAsync(int options, CancellationToken cancellationToken, PollKind kind = PollKind.Choice)
    {
        using var response = await Http.PostAsJsonAsync("/api/newsroom/polls", new CreatePollRequest
        {
            Question = $"Load test {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}",
            Kind = kind,
            Options = kind is PollKind.Rating or PollKind.Words ? null
                : Enumerable.Range(1, options).Select(i => new CreatePollOption { Text = $"Option {i}", Correct = kind == PollKind.Quiz ? i == 1 : null }).ToList(),
        }, Json, cancellationToken);
        await EnsureAsync(response, "create the poll (needs an editor API key: --api-key)");
        return (await response.Content.ReadFromJsonAsync<PollSnapshot>(Json, cancellationToken))!;
    }

    /// <summary>The poll's counts as the newsroom sees them (needs an editor or screen key).</summary>
    public async Task<PollSnapshot> ReadPollAsync(string pollId, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync($"/api/newsroom/polls/{Uri.EscapeDataString(pollId)}", cancellationToken);
        await EnsureAsync(response, "read the poll's counts (needs a newsroom API key: --api-key)");
        return (await response.Content.ReadFromJsonAsync<PollSnapshot>(Json, cancellationToken))!;
    }

    public void Dispose()
    {
        foreach (var client in _http)
        {
            client.Dispose();
        }
    }

    internal static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"Could not {what}: {(int)response.StatusCode} {body}");
        }
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WireFormats.Configure(options);
        return options;
    }

    /// <summary>Reconnects after 0-1 s, then 1-3 s, then 2-10 s, then every 5-15 s: jittered so a node's clients do not return at once.</summary>
    private sealed class JitteredRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext context) => context.PreviousRetryCount switch
        {
            0 => TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1_000)),
            1 => TimeSpan.FromMilliseconds(Random.Shared.Next(1_000, 3_000)),
            2 => TimeSpan.FromMilliseconds(Random.Shared.Next(2_000, 10_000)),
            _ => TimeSpan.FromMilliseconds(Random.Shared.Next(5_000, 15_000)),
        };
    }
}
