using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using LivePoll.LoadTests.Measurement;
using MessagePack;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>
/// A light hub connection on the framework's WebSocket, for any platform and for wss:// (see <see cref="LightHub"/>):
/// one receive loop per connection, on the thread pool.
/// </summary>
internal sealed class StreamHubConnection : ILightHubConnection
{
    private readonly Uri _url;
    private readonly RunMeter _meter;
    private readonly LightHub.EventHandler _onEvent;
    private readonly Func<ILightHubConnection, Task> _onConnected;
    private readonly LightHubCalls _calls = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private WebSocket? _socket;
    private Task? _loop;

    private StreamHubConnection(Uri url, RunMeter meter, LightHub.EventHandler onEvent, Func<ILightHubConnection, Task> onConnected)
    {
        _url = url;
        _meter = meter;
        _onEvent = onEvent;
        _onConnected = onConnected;
    }

    public static async Task<ILightHubConnection> StartAsync(Uri url, RunMeter meter, LightHub.EventHandler onEvent,
        Func<ILightHubConnection, Task> onConnected, CancellationToken cancellationToken)
    {
        var connection = new StreamHubConnection(url, meter, onEvent, onConnected);
        await connection.ConnectAsync(cancellationToken);
        Interlocked.Increment(ref meter.Connects);
        connection._loop = connection.RunAsync();
        await onConnected(connection);
        return connection;
    }

    public Task<ReadOnlySequence<byte>> InvokeAsync(string method, object?[] arguments, CancellationToken cancellationToken) =>
        _calls.InvokeAsync(method, arguments, message => SendAsync(message, cancellationToken), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_socket is { State: WebSocketState.Open } socket)
        {
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
        _socket?.Dispose();
        if (_loop is not null)
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        _stop.Dispose();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = _url.Scheme == "ws" ? await UpgradeAsync(_url, cancellationToken) : await ClientAsync(_url, cancellationToken);
        await socket.SendAsync(LightHub.Handshake, WebSocketMessageType.Text, true, cancellationToken);
        // The handshake answer: "{}" and a record separator, or an error.
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
        var answer = Encoding.UTF8.GetString(buffer, 0, received.Count);
        if (!answer.StartsWith("{}", StringComparison.Ordinal))
        {
            socket.Dispose();
            throw new InvalidOperationException($"The hub refused the handshake: {answer.TrimEnd('\u001e')}");
        }
        _socket = socket;
    }

    /// <summary>TLS and proxies: the framework's client WebSocket.</summary>
    private static async Task<WebSocket> ClientAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(url, cancellationToken);
        return socket;
    }

    /// <summary>
    /// Plain ws://: the HTTP upgrade sent on a socket of our own, then the framework's WebSocket over that socket's
    /// stream, without the HTTP client's connection layer in between (about a third of the tool's CPU per message).
    /// </summary>
    private static async Task<WebSocket> UpgradeAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(url.Host, url.Port, cancellationToken);
            var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);

            // Read the answer's head byte by byte up to the blank line, so not one byte of the first frame is taken.
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(one, cancellationToken) == 0 || head.Length > 8192)
                {
                    throw new WebSocketException("The server closed the connection during the WebSocket upgrade.");
                }
                head.Append((char)one[0]);
            }
            var status = head.ToString().Split(' ', 3);
            if (status.Length < 2 || status[1] != "101")
            {
                throw new WebSocketException($"The server refused the WebSocket upgrade: {head.ToString().Split('\r')[0]}");
            }
            return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task RunAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var stop = _stop.Token;
        var retry = 0;
        while (!stop.IsCancellationRequested)
        {
            using var pinger = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var pings = PingAsync(pinger.Token);
            try
            {
                await ReceiveAsync(_socket!, buffer, stop);
            }
            catch (Exception ex) when (!stop.IsCancellationRequested && ex is WebSocketException or IOException or InvalidOperationException or OperationCanceledException)
            {
                _meter.Error(ex);
            }
            await pinger.CancelAsync();
            await pings;
            if (stop.IsCancellationRequested)
            {
                return;
            }

            // The socket dropped: fail the calls in flight, come back after a jittered pause, subscribe again.
            Interlocked.Increment(ref _meter.Disconnects);
            _calls.FailAll();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1_000) + 1_000 * Math.Min(retry++, 10)), stop);
                    _socket?.Dispose();
                    await ConnectAsync(stop);
                    Interlocked.Increment(ref _meter.Reconnects);
                    retry = 0;
                    _ = ResubscribeAsync();
                    break;
                }
                catch (Exception ex) when (!stop.IsCancellationRequested && ex is WebSocketException or IOException or InvalidOperationException or HttpRequestException)
                {
                    _meter.Error(ex);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task ResubscribeAsync()
    {
        try
        {
            await _onConnected(this);
        }
        catch (Exception ex)
        {
            _meter.Error(ex);
        }
    }

    private async Task ReceiveAsync(WebSocket socket, ArrayBufferWriter<byte> buffer, CancellationToken stop)
    {
        while (true)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.GetMemory(512), stop);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                buffer.Advance(result.Count);
            }
            while (!result.EndOfMessage);
            LightHub.Dispatch(buffer.WrittenMemory, _onEvent, _calls);
        }
    }

    private async Task PingAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(LightHub.PingEvery, stop);
                await SendAsync(LightHub.Ping, stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            await _socket!.SendAsync(message, WebSocketMessageType.Binary, true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }
}
