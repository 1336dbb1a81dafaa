using LivePoll.Contracts;
using LivePoll.Server.Abuse;
using LivePoll.Server.Diagnostics;
using LivePoll.Server.Feed;
using LivePoll.Server.Live;
using LivePoll.Server.Media;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Pages;
using LivePoll.Server.Polls;
using LivePoll.Server.Security;
using LivePoll.Server.Storage;
using LivePoll.Server.Tally;
using LivePoll.Server.Tips;
using Microsoft.AspNetCore.SignalR;
using Prometheus;
using Scalar.AspNetCore;

// Commands: print a new newsroom API key with its hash, or the hash of a key, for Newsroom:ApiKeys.
if (NewsroomCommands.TryRun(args))
{
    // A command sets its own exit code (--probe: 1 when the server is not ready).
    return Environment.ExitCode;
}

// `dotnet run` (its launch profile) defaults to Development, but never over an environment the caller gave: a launch
// profile's ASPNETCORE_ENVIRONMENT would replace the shell's, so the profile only names a default.
var givenEnvironment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT");
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    EnvironmentName = givenEnvironment is null && !args.Any(a => a.StartsWith("--environment", StringComparison.OrdinalIgnoreCase))
        ? Environment.GetEnvironmentVariable("LIVEPOLL_DEFAULT_ENVIRONMENT")
        : null,
});

// Store commands (--export FILE, --import FILE, --backup DIR, --restore DIR) read the server's settings, do their work and exit.
if (StoreCommands.IsCommand(args))
{
    return await StoreCommands.RunAsync(args, builder.Configuration, builder.Environment.ContentRootPath);
}

// Kestrel's sockets: with Node:InlineScheduling the transport's and the application's continuations run on the socket's
// I/O thread instead of hopping to the thread pool (load-tests/README.md, "Fan-out: inline scheduling").
if (builder.Configuration.GetValue<bool>("Node:InlineScheduling"))
{
    builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
}

// Logs: outside Development, one JSON object per line on the console (for a log shipper), unless a formatter is chosen.
builder.UseLivePollLogging();
builder.AddLivePollTracing();

// Errors: every failure an HTTP client sees is a ProblemDetails document, never a stack trace.
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestHandler>();
builder.Services.AddExceptionHandler<StoreUnavailableHandler>();
builder.Services.AddExceptionHandler<UnexpectedErrorHandler>();
builder.Services.ConfigureHttpJsonOptions(o => WireFormats.Configure(o.SerializerOptions));

// Store: one Redis connection (or an embedded Garnet when none is configured), keys from one place.
builder.Services.AddLivePollStore();

// Live: the SignalR hub, JSON and MessagePack; the Redis backplane carries group sends between nodes, while
// poll snapshots and feed events go from each node straight to its own connections.
builder.Services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section);
builder.Services.AddSingleton<NodeInfo>();
builder.Services.AddSingleton(TimeProvider.System);
builder.UseHubCallLogging();
builder.Services.AddSignalR(o =>
    {
        o.AddFilter<HubCallLogFilter>();
        o.AddFilter<StoreUnavailableHubFilter>();
    })
    .AddJsonProtocol(o => WireFormats.Configure(o.PayloadSerializerOptions))
    .AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack)
    .AddStoreBackplane()
    .AddLocalConnections();

// Newsroom: API keys (by hash) with editor and screen roles guard every newsroom endpoint and hub method.
builder.Services.AddNewsroomAuth();

// Security posture: HTTPS/HSTS when configured, diagnostics for the newsroom only outside Development, encrypted keys.
builder.Services.AddSecurityPosture(builder.Configuration);

// Abuse limits: votes and tips rate-limited over HTTP and the hub, connections per IP capped, message and
// body sizes bounded, pages only from allowed origins.
builder.Services.AddAbuseLimits();

// Polls: atomic votes, signed voter ids, coalesced live results, scheduled opening and closing.
builder.Services.AddPolls();

// Tally: a signed Merkle log per poll of every counted answer, so anyone can check a vote was counted and the sums.
builder.Services.AddTally();

// Feed: publish, correct, retract, pin; every change numbered and delivered once, in order, with catch-up.
builder.Services.AddFeed();

// Media: photos uploaded by the newsroom, made safe (metadata stripped) and served in renditions at /media.
builder.Services.AddMedia();

// Tips: readers' news tips, stored and pushed to newsroom connections only.
builder.Services.AddSingleton<TipStore>();

// Pages: the reader page, article permalinks and poll pages rendered on the server from Razor components (for crawlers,
// link previews and readers without script), then live by script.
builder.Services.AddSingleton<PageRenderer>();
builder.Services.AddSingleton<PageAssets>();
builder.Services.AddSingleton<ReaderPages>();
builder.Services.AddSingleton<ArticlePage>();
builder.Services.AddSingleton<PollPage>();
builder.Services.AddSingleton<PollResultsImage>();
builder.Services.AddEmbeds();
builder.Services.AddPageCompression();

// Diagnostics: LivePoll's own meter beside ASP.NET Core's and SignalR's, all exported at /metrics.
builder.Services.AddMetrics();
builder.Services.AddSingleton<LivePollMetrics>();
LivePollMetrics.StartPrometheusExport();

// API description: /openapi/v1.json and a browsable reference at /docs.
builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
{
    document.Info.Title = "LivePoll API";
    document.Info.Description = "Live polls and a live news feed for newsrooms. Live updates are pushed over the SignalR hub at "
        + HubPaths.Live + " (JSON or MessagePack); the README lists its methods and events.";
    return Task.CompletedTask;
}));

// Shutdown: give open connections a moment to close; the store (and Garnet) stop after the host.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

WebApplication app;
try
{
    // Settings read while the host is built (e.g. Kestrel's body limit from Limits) are validated here.
    app = builder.Build();
}
catch (Microsoft.Extensions.Options.OptionsValidationException invalid)
{
    return CannotStart(invalid);
}

// Which environment this is decides what it allows (a first-run editor, open diagnostics): say it first.
StartupLog.Starting(app.Logger, typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "?", app.Environment.EnvironmentName,
    app.Services.GetRequiredService<NodeInfo>().Name);

app.UseForwardedHeaders();
app.UseSecurityHeaders();
app.UseTransportSecurity();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UsePages();
app.UseMedia();

app.MapHealthChecks("/health/live", new() { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync });
app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = HealthResponse.WriteAsync });
app.MapMetrics("/metrics");
app.MapOpenApi();
app.MapScalarApiReference("/docs", o => o.WithTitle("LivePoll API"));

app.UseCors(AbuseServiceCollectionExtensions.CorsPolicy);
app.UseAuthentication();
app.UseNewsroomGuards();
app.UseAuthorization();
app.UseHubDoor();
app.UseVoters();

app.MapPolls();
app.MapTally();
app.MapFeed();
app.MapFeedSyndication();
app.MapTips();
app.MapNewsroomSession();
var newsroom = app.MapNewsroomGroup();
newsroom.MapNewsroomPolls();
newsroom.MapNewsroomFeed();
newsroom.MapNewsroomTips();
newsroom.MapNewsroomMedia();
newsroom.MapNewsroomDesk();
app.MapHub<LiveHub>(HubPaths.Live);
app.MapPages();
app.MapEmbeds();

try
{
    app.Run();
    return 0;
}
catch (Microsoft.Extensions.Options.OptionsValidationException invalid)
{
    return CannotStart(invalid);
}
catch (EmbeddedStoreException store)
{
    // The data folder is in use or damaged: the message says which and what to do.
    Console.Error.WriteLine("LivePoll cannot start: " + store.Message);
    return 1;
}

// A setting is wrong or missing: say which and why, without a stack trace, and exit non-zero.
static int CannotStart(Microsoft.Extensions.Options.OptionsValidationException invalid)
{
    Console.Error.WriteLine("LivePoll cannot start: " + string.Join(" ", invalid.Failures));
    return 1;
}

/// <summary>The entry point; public so that tests can host the real application.</summary>
public partial class Program;

internal static partial class StartupLog
{
    [LoggerMessage(1, LogLevel.Information, "LivePoll {Version} starting in the {Environment} environment as node {Node}.")]
    public static partial void Starting(ILogger logger, string version, string environment, string node);
}
