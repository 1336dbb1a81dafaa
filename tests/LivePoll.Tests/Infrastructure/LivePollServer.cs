using System.Net;
using LivePoll.Contracts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LivePoll.Tests.Infrastructure;

public enum WireProtocol
{
    Json,
    MessagePack,
}

/// <summary>
/// The real LivePoll application on Kestrel at 127.0.0.1 on a free port, so that real HTTP and SignalR
/// clients (WebSockets included) talk to it as they would in production.
/// </summary>
public sealed class LivePollServer : IAsyncDisposable
{
    private readonly Factory _factory;
    private readonly DirectoryInfo? _media;

    /// <summary>The newsroom API keys every test server is configured with (as hashes, like production).</summary>
    public const string EditorKey = "lpk_test-editor-key";
    public const string ScreenKey = "lpk_test-screen-key";
    public const string ContributorKey = "lpk_test-contributor-key";

    /// <summary>Browser sign-in accounts of every test server: name and password.</summary>
    public const string EditorAccount = "desk", ScreenAccount = "wall", ContributorAccount = "reporter", AccountPassword = "correct horse battery staple";

    /// <summary>Display names of the editor and contributor accounts, as bylines and the activity log show them.</summary>
    public const string EditorName = "Айгерім Сәдуақасова", ContributorName = "Данияр Оспанов";

    private static readonly string AccountPasswordHash = LivePoll.Server.Newsroom.Passwords.Hash(AccountPassword);

    /// <summary>A key exempt from the abuse limits, as a load tool would have.</summary>
    public const string LoadToolKey = "lpk_test-load-tool-key";

    private LivePollServer(Factory factory, Uri baseAddress, DirectoryInfo? media)
    {
        _factory = factory;
        _media = media;
        BaseAddress = baseAddress;
        Http = CreateClient(EditorKey);
        Anonymous = CreateClient(null);
        Screen = CreateClient(ScreenKey);
        Contributor = CreateClient(ContributorKey);
        LoadTool = CreateClient(LoadToolKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>An HTTP client signed in as a newsroom editor (reader endpoints ignore that).</summary>
    public HttpClient Http { get; }

    /// <summary>An HTTP client with no newsroom key: a reader.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>An HTTP client signed in with the screen role.</summary>
    public HttpClient Screen { get; }

    /// <summary>An HTTP client with the contributor role (writes own drafts, submits them).</summary>
    public HttpClient Contributor { get; }

    /// <summary>An HTTP client with a key exempt from the vote and tip limits.</summary>
    public HttpClient LoadTool { get; }

    private HttpClient CreateClient(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeoutExtensions.Default };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }
        return client;
    }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Where this server keeps uploaded photos.</summary>
    public string MediaDirectory => Services.GetRequiredService<LivePoll.Server.Media.MediaLocation>().Directory;

    /// <summary>
    /// Starts the server with <paramref name="redisConfiguration"/> as <c>Redis:Configuration</c> (empty: the
    /// embedded Garnet) and any further settings.
    /// </summary>
    public static async Task<LivePollServer> StartAsync(string redisConfiguration, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redisConfiguration,
            ["Redis:KeyPrefix"] = TestPrefix.New(),
            ["Redis:ConnectTimeoutMs"] = "1000",
            // In-process servers on the embedded store keep it in memory; the persistence tests run real processes.
            ["Store:Embedded:Persist"] = "false",
            ["Newsroom:ApiKeys:0:Name"] = "test editor",
            ["Newsroom:ApiKeys:0:Role"] = "editor",
            ["Newsroom:ApiKeys:0:KeyHash"] = LivePoll.Server.Newsroom.ApiKeyAuthenticationHandler.HashKey(EditorKey),
            ["Newsroom:ApiKeys:1:Name"] = "test screen",
            ["Newsroom:ApiKeys:1:Role"] = "screen",
            ["Newsroom:ApiKeys:1:KeyHash"] = LivePoll.Server.Newsroom.ApiKeyAuthenticationHandler.HashKey(ScreenKey),
            ["Newsroom:ApiKeys:2:Name"] = "test load tool",
            ["Newsroom:ApiKeys:2:Role"] = "screen",
            ["Newsroom:ApiKeys:2:KeyHash"] = LivePoll.Server.Newsroom.ApiKeyAuthenticationHandler.HashKey(LoadToolKey),
            ["Newsroom:ApiKeys:2:ExemptFromLimits"] = "true",
            ["Newsroom:ApiKeys:3:Name"] = "test contributor",
            ["Newsroom:ApiKeys:3:DisplayName"] = ContributorName,
            ["Newsroom:ApiKeys:3:Role"] = "contributor",
            ["Newsroom:ApiKeys:3:KeyHash"] = LivePoll.Server.Newsroom.ApiKeyAuthenticationHandler.HashKey(ContributorKey),
            ["Newsroom:Accounts:0:Name"] = EditorAccount,
            ["Newsroom:Accounts:0:DisplayName"] = EditorName,
            ["Newsroom:Accounts:0:Role"] = "editor",
            ["Newsroom:Accounts:0:PasswordHash"] = AccountPasswordHash,
            ["Newsroom:Accounts:1:Name"] = ScreenAccount,
            ["Newsroom:Accounts:1:Role"] = "screen",
            ["Newsroom:Accounts:1:PasswordHash"] = AccountPasswordHash,
            ["Newsroom:Accounts:2:Name"] = ContributorAccount,
            ["Newsroom:Accounts:2:DisplayName"] = ContributorName,
            ["Newsroom:Accounts:2:Role"] = "contributor",
            ["Newsroom:Accounts:2:PasswordHash"] = AccountPasswordHash,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        // Photos go to a folder of this server's own (not the project's), removed with it, unless the test names one.
        DirectoryInfo? media = null;
        if (!all.ContainsKey("Media:Directory"))
        {
            media = Directory.CreateTempSubdirectory("livepoll-media-");
            all["Media:Directory"] = media.FullName;
        }

        var factory = new Factory(all, services);
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        try
        {
            await Task.Run(factory.StartServer).DefaultTimeout();
        }
        catch
        {
            await factory.DisposeAsync();
            if (media is not null)
            {
                new DeleteOnDispose(media).Dispose();
            }
            throw;
        }

        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LivePollServer(factory, new Uri(address), media);
    }

    /// <summary>A SignalR client on the live hub over WebSockets, not yet started.</summary>
    /// <param name="voterToken">Sent as <c>?voter=</c>; without it the server makes a new voter for the connection.</param>
    /// <param name="apiKey">A newsroom API key, sent the way SignalR clients send access tokens.</param>
    public HubConnection CreateHubConnection(WireProtocol protocol = WireProtocol.Json, string? voterToken = null, string? apiKey = null)
    {
        var url = new Uri(BaseAddress, HubPaths.Live + (voterToken is null ? "" : "?voter=" + Uri.EscapeDataString(voterToken)));
        var builder = new HubConnectionBuilder()
            .WithUrl(url, Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets,
                o => o.AccessTokenProvider = apiKey is null ? null : () => Task.FromResult<string?>(apiKey))
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        if (protocol == WireProtocol.MessagePack)
        {
            builder.AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack);
        }
        else
        {
            builder.AddJsonProtocol(o => WireFormats.Configure(o.PayloadSerializerOptions));
        }
        return builder.Build();
    }

    /// <summary>A started hub connection.</summary>
    public async Task<HubConnection> ConnectAsync(WireProtocol protocol = WireProtocol.Json, string? voterToken = null, string? apiKey = null)
    {
        var connection = CreateHubConnection(protocol, voterToken, apiKey);
        await connection.StartAsync().DefaultTimeout();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        Screen.Dispose();
        Contributor.Dispose();
        LoadTool.Dispose();
        await _factory.DisposeAsync();
        if (_media is not null)
        {
            // A test may dispose its server twice (once to stop it early): the folder may be gone already.
            new DeleteOnDispose(_media).Dispose();
        }
    }

    private sealed class Factory(IDictionary<string, string?> settings, Action<IServiceCollection>? services) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
            builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        }
    }
}
