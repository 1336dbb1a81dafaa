// The floor under a delivered message (issue 30). One process, one path per run:
//
//   signalr    a hub; each broadcast is Clients.All.SendAsync (SignalR serializes it once per protocol and writes it
//              into every connection's pipe; the WebSocket transport's loop frames it into Kestrel's output).
//   websocket  ASP.NET Core's WebSocket (UseWebSockets); each broadcast is WebSocket.SendAsync of the same encoded
//              bytes on every socket (framed per socket, no SignalR).
//   frame      the WebSocket frame is encoded once per broadcast and written as is into every upgraded connection's
//              stream (what the Socket.IO peer does: one write per socket, nothing per connection but the write).
//
//   SendFloor --mode frame --port 5099 --connections 5000 --rate 10 --warm-up 5 --seconds 20 --bytes 300
//
// It waits for --connections sockets, broadcasts --rate times a second for --warm-up seconds (not measured: the JIT
// compiles the path under load) and then for --seconds, waits a moment for the sends to drain, prints one line (messages written, skipped because the socket's previous write was pending, CPU used by the
// process over the broadcasts, µs per written message) and exits. The readers (readers.c) count what arrives.
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;

var settings = new Dictionary<string, string>();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    settings[args[i].TrimStart('-')] = args[i + 1];
}
var mode = settings.GetValueOrDefault("mode", "frame");
var port = int.Parse(settings.GetValueOrDefault("port", "5099"));
var expected = int.Parse(settings.GetValueOrDefault("connections", "1000"));
var rate = double.Parse(settings.GetValueOrDefault("rate", "10"));
var seconds = double.Parse(settings.GetValueOrDefault("seconds", "20"));
var warmUp = double.Parse(settings.GetValueOrDefault("warm-up", "5"));
var size = int.Parse(settings.GetValueOrDefault("bytes", "300"));
if (mode is not ("signalr" or "websocket" or "frame"))
{
    Console.Error.WriteLine("--mode is signalr, websocket or frame");
    return 2;
}

// A JSON-ish text of the given size ending in the record separator (0x1e) the readers count, as SignalR's JSON
// protocol ends each message; for signalr the hub message around it adds its own and the argument is the text alone.
var text = "{\"id\":\"" + new string('x', Math.Max(1, size - 10)) + "\"}";
var message = Encoding.UTF8.GetBytes(text + "\u001e");
var frame = Frame(message);

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
builder.Services.AddSignalR(o =>
{
    // Nothing but the broadcasts on the wire during a run.
    o.KeepAliveInterval = TimeSpan.FromMinutes(10);
    o.ClientTimeoutInterval = TimeSpan.FromMinutes(20);
});
var app = builder.Build();
var sockets = new ConcurrentDictionary<int, Connection>();
var next = 0;
var lifetime = app.Lifetime.ApplicationStopping;

app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
app.MapHub<FloorHub>("/hub");
app.Map("/ws", async context =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = 400;
        return;
    }
    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    var id = Interlocked.Increment(ref next);
    sockets[id] = new Connection(socket, null);
    var buffer = new byte[256];
    try
    {
        while (!(await socket.ReceiveAsync(buffer, lifetime)).CloseStatus.HasValue)
        {
        }
    }
    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
    {
    }
    sockets.TryRemove(id, out _);
});
app.Map("/frame", async context =>
{
    // The handshake of RFC 6455 section 4.2.2, then the connection's raw stream; measurement only, no extensions.
    var upgrade = context.Features.Get<IHttpUpgradeFeature>();
    var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
    if (upgrade is not { IsUpgradableRequest: true } || key.Length == 0)
    {
        context.Response.StatusCode = 400;
        return;
    }
    var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
    context.Response.Headers.Connection = "Upgrade";
    context.Response.Headers.Upgrade = "websocket";
    context.Response.Headers["Sec-WebSocket-Accept"] = accept;
    await using var stream = await upgrade.UpgradeAsync();
    var id = Interlocked.Increment(ref next);
    sockets[id] = new Connection(null, stream);
    var buffer = new byte[256];
    try
    {
        while (await stream.ReadAsync(buffer, lifetime) > 0)
        {
        }
    }
    catch (Exception ex) when (ex is IOException or OperationCanceledException)
    {
    }
    sockets.TryRemove(id, out _);
});

await app.StartAsync();
Console.WriteLine($"listening on 127.0.0.1:{port}, mode {mode}, waiting for {expected} connections");
var hubs = app.Services.GetRequiredService<IHubContext<FloorHub>>();
var wait = Stopwatch.StartNew();
while (FloorHub.Connected + sockets.Count < expected && wait.Elapsed < TimeSpan.FromMinutes(3))
{
    await Task.Delay(100);
}
var connections = FloorHub.Connected + sockets.Count;
await Task.Delay(2000); // the handshakes' work done before the window opens

long written = 0, skipped = 0;
var process = Process.GetCurrentProcess();
var cpuBefore = TimeSpan.Zero;
var clock = Stopwatch.StartNew();
var warmUpBroadcasts = (int)Math.Round(rate * warmUp);
var broadcasts = (int)Math.Round(rate * seconds);
using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate)))
{
    for (var n = 0; n < warmUpBroadcasts + broadcasts && await timer.WaitForNextTickAsync(); n++)
    {
        if (n == warmUpBroadcasts)
        {
            process.Refresh();
            cpuBefore = process.TotalProcessorTime;
            clock.Restart();
            written = skipped = 0;
        }
        if (mode == "signalr")
        {
            await hubs.Clients.All.SendAsync("m", text);
            written += FloorHub.Connected;
            continue;
        }
        foreach (var connection in sockets.Values)
        {
            if (connection.TrySend(mode == "frame" ? frame : message))
            {
                written++;
            }
            else
            {
                skipped++;
            }
        }
    }
}
var broadcasting = clock.Elapsed;
var drain = Stopwatch.StartNew();
while (drain.Elapsed < TimeSpan.FromSeconds(10) && sockets.Values.Any(c => c.Pending))
{
    await Task.Delay(20);
}
await Task.Delay(500);
process.Refresh();
var cpu = process.TotalProcessorTime - cpuBefore;
var elapsed = clock.Elapsed.TotalSeconds;
Console.WriteLine($"mode {mode}: {connections} connections, {broadcasts} broadcasts in {broadcasting.TotalSeconds:0.0} s, " +
    $"{written} messages written, {skipped} skipped (write pending), server CPU {cpu.TotalSeconds:0.00} s over {elapsed:0.0} s " +
    $"({cpu.TotalSeconds / elapsed:0.00} cores), {cpu.TotalMicroseconds / Math.Max(1, written):0.0} us per message written");
await app.StopAsync(TimeSpan.FromSeconds(5));
return 0;

// An unmasked final text frame around the payload (a server's frame, RFC 6455 section 5.2).
static byte[] Frame(byte[] payload)
{
    var header = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
    var frame = new byte[header + payload.Length];
    frame[0] = 0x81;
    if (header == 2)
    {
        frame[1] = (byte)payload.Length;
    }
    else if (header == 4)
    {
        frame[1] = 126;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
    }
    else
    {
        frame[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
    }
    payload.CopyTo(frame, header);
    return frame;
}

internal sealed class FloorHub : Hub
{
    private static int _connected;

    public static int Connected => Volatile.Read(ref _connected);

    public override Task OnConnectedAsync()
    {
        Interlocked.Increment(ref _connected);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        Interlocked.Decrement(ref _connected);
        return Task.CompletedTask;
    }
}

/// <summary>One socket of the websocket or frame path; a write is skipped while the previous one is pending.</summary>
internal sealed class Connection(WebSocket? socket, Stream? stream)
{
    private int _pending;

    public bool Pending => Volatile.Read(ref _pending) != 0;

    public bool TrySend(byte[] bytes)
    {
        if (Interlocked.Exchange(ref _pending, 1) != 0)
        {
            return false;
        }
        ValueTask write;
        try
        {
            write = socket is not null
                ? socket.SendAsync(new ReadOnlyMemory<byte>(bytes), WebSocketMessageType.Text, true, CancellationToken.None)
                : stream!.WriteAsync(new ReadOnlyMemory<byte>(bytes));
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // A reader that went away; the run's count of what arrived shows it.
            Volatile.Write(ref _pending, 0);
            return false;
        }
        if (write.IsCompletedSuccessfully)
        {
            Volatile.Write(ref _pending, 0);
        }
        else
        {
            _ = CompleteAsync(write);
        }
        return true;
    }

    private async Task CompleteAsync(ValueTask write)
    {
        try
        {
            await write;
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or ObjectDisposedException)
        {
        }
        Volatile.Write(ref _pending, 0);
    }
}
