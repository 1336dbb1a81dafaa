using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LivePoll.LoadTests.Measurement;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>
/// A light hub connection for plain ws:// on Linux. Its socket is read by one of a few shared epoll threads, one
/// receive per readiness, with the WebSocket frames parsed in place: no task, no thread-pool hop and no failed
/// receive per message, so one tool process can hold tens of thousands of readers. Sends (subscriptions, pings)
/// are small and go straight to the socket. See <see cref="LightHub"/>.
/// </summary>
internal sealed class EpollHubConnection : ILightHubConnection
{
    private static readonly Lazy<EpollLoop[]> Loops = new(() =>
        [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount / 2, 1, 4)).Select(i => new EpollLoop(i))]);
    private static int _nextLoop;

    private readonly Uri _url;
    private readonly RunMeter _meter;
    private readonly LightHub.EventHandler _onEvent;
    private readonly Func<ILightHubConnection, Task> _onConnected;
    private readonly LightHubCalls _calls = new();
    private readonly EpollLoop _loop;
    private readonly Lock _sendLock = new();
    private Socket? _socket;
    private byte[] _buffer = new byte[4096];
    private int _filled;
    private ArrayBufferWriter<byte>? _fragments;
    private volatile bool _disposed;

    private EpollHubConnection(Uri url, RunMeter meter, LightHub.EventHandler onEvent, Func<ILightHubConnection, Task> onConnected)
    {
        _url = url;
        _meter = meter;
        _onEvent = onEvent;
        _onConnected = onConnected;
        _loop = Loops.Value[(int)((uint)Interlocked.Increment(ref _nextLoop) % Loops.Value.Length)];
    }

    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public static async Task<ILightHubConnection> StartAsync(Uri url, RunMeter meter, LightHub.EventHandler onEvent,
        Func<ILightHubConnection, Task> onConnected, CancellationToken cancellationToken)
    {
        var connection = new EpollHubConnection(url, meter, onEvent, onConnected);
        await Task.Run(connection.Connect, cancellationToken);
        Interlocked.Increment(ref meter.Connects);
        await onConnected(connection);
        return connection;
    }

    public Task<ReadOnlySequence<byte>> InvokeAsync(string method, object?[] arguments, CancellationToken cancellationToken) =>
        _calls.InvokeAsync(method, arguments, message =>
        {
            SendFrame(2, message, dropIfBusy: false);
            return Task.CompletedTask;
        }, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        _loop.Remove(this);
        _socket?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Blocking: connect, upgrade, SignalR handshake; then the socket goes non-blocking to its epoll thread.</summary>
    private void Connect()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 30_000, SendTimeout = 30_000 };
        try
        {
            socket.Connect(_url.Host, _url.Port);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            socket.Send(Encoding.ASCII.GetBytes($"GET {_url.PathAndQuery} HTTP/1.1\r\nHost: {_url.Authority}\r\nUpgrade: websocket\r\n"
                + $"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"));
            var head = ReadHead(socket);
            if (head.Split(' ', 3) is not [_, "101", ..])
            {
                throw new System.Net.WebSockets.WebSocketException($"The server refused the WebSocket upgrade: {head.Split('\r')[0]}");
            }
            _socket = socket;
            _filled = 0;
            _fragments = null;
            SendFrame(1, LightHub.Handshake, dropIfBusy: false);
            // The handshake answer arrives as one frame: "{}" and a record separator, or an error.
            var answer = ReadFirstFrame(socket);
            if (!answer.StartsWith("{}", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The hub refused the handshake: {answer.TrimEnd('\u001e')}");
            }
            socket.Blocking = false;
            _loop.Add(this, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string ReadHead(Socket socket)
    {
        // Byte by byte up to the blank line, so not one byte of the first frame is taken.
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (socket.Receive(one) == 0 || head.Length > 8192)
            {
                throw new System.Net.WebSockets.WebSocketException("The server closed the connection during the WebSocket upgrade.");
            }
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    private string ReadFirstFrame(Socket socket)
    {
        while (true)
        {
            var read = socket.Receive(_buffer, _filled, _buffer.Length - _filled, SocketFlags.None);
            if (read == 0)
            {
                throw new System.Net.WebSockets.WebSocketException("The server closed the connection during the handshake.");
            }
            _filled += read;
            if (TryFrame(_buffer.AsSpan(0, _filled), out var opcode, out var payloadStart, out var payloadLength, out _))
            {
                var text = Encoding.UTF8.GetString(_buffer, payloadStart, payloadLength);
                Consume(payloadStart + payloadLength);
                return opcode is 1 or 2 ? text : "";
            }
        }
    }

    /// <summary>On the epoll thread: the socket has data. One receive, then every whole frame in the buffer.</summary>
    internal void OnReadable()
    {
        var socket = _socket;
        if (socket is null || _disposed)
        {
            return;
        }
        if (_filled == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = socket.Receive(_buffer.AsSpan(_filled), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            return;
        }
        if (error != SocketError.Success || read == 0)
        {
            Dropped(error == SocketError.Success ? null : new SocketException((int)error));
            return;
        }
        _filled += read;

        var at = 0;
        while (TryFrame(_buffer.AsSpan(at, _filled - at), out var opcode, out var payloadStart, out var payloadLength, out var final))
        {
            var payload = _buffer.AsMemory(at + payloadStart, payloadLength);
            at += payloadStart + payloadLength;
            switch (opcode)
            {
                case 0 or 1 or 2:
                    if (final && _fragments is null)
                    {
                        LightHub.Dispatch(payload, _onEvent, _calls);
                    }
                    else
                    {
                        (_fragments ??= new ArrayBufferWriter<byte>()).Write(payload.Span);
                        if (final)
                        {
                            LightHub.Dispatch(_fragments.WrittenMemory, _onEvent, _calls);
                            _fragments = null;
                        }
                    }
                    break;
                case 8:
                    Dropped(null);
                    return;
                case 9:
                    SendFrame(10, payload.ToArray(), dropIfBusy: true);
                    break;
            }
        }
        Consume(at);
    }

    /// <summary>Sends a SignalR ping so the server keeps the connection; skipped when the socket is busy.</summary>
    internal void Ping()
    {
        try
        {
            SendFrame(2, LightHub.Ping, dropIfBusy: true);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
            // Between a drop and the reconnect there is no socket to ping: the reconnect starts afresh.
        }
    }

    private void Consume(int count)
    {
        Buffer.BlockCopy(_buffer, count, _buffer, 0, _filled - count);
        _filled -= count;
    }

    /// <summary>A whole server frame at the start of <paramref name="data"/>: where its payload is, and whether it ends a message.</summary>
    private static bool TryFrame(ReadOnlySpan<byte> data, out int opcode, out int payloadStart, out int payloadLength, out bool final)
    {
        (opcode, payloadStart, payloadLength, final) = (0, 0, 0, false);
        if (data.Length < 2)
        {
            return false;
        }
        final = (data[0] & 0x80) != 0;
        opcode = data[0] & 0x0f;
        long length = data[1] & 0x7f;
        var header = 2;
        if (length == 126)
        {
            if (data.Length < 4)
            {
                return false;
            }
            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            header = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10)
            {
                return false;
            }
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            header = 10;
        }
        if ((data[1] & 0x80) != 0)
        {
            throw new System.Net.WebSockets.WebSocketException("The server sent a masked frame.");
        }
        if (data.Length < header + length)
        {
            return false;
        }
        (payloadStart, payloadLength) = (header, (int)length);
        return true;
    }

    /// <summary>Sends one masked client frame (RFC 6455: every client frame is masked).</summary>
    private void SendFrame(int opcode, byte[] payload, bool dropIfBusy)
    {
        var socket = _socket ?? throw new System.Net.WebSockets.WebSocketException("Not connected.");
        var header = payload.Length < 126 ? 2 : 4;
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        var mask = frame.AsSpan(header, 4);
        RandomNumberGenerator.Fill(mask);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header + 4 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }
        lock (_sendLock)
        {
            var sent = 0;
            var deadline = Environment.TickCount64 + 5_000;
            while (sent < frame.Length)
            {
                var n = socket.Send(frame, sent, frame.Length - sent, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    if (dropIfBusy && sent == 0)
                    {
                        return;
                    }
                    if (Environment.TickCount64 > deadline)
                    {
                        throw new SocketException((int)SocketError.TimedOut);
                    }
                    socket.Poll(100_000, SelectMode.SelectWrite);
                    continue;
                }
                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
                }
                sent += n;
            }
        }
    }

    /// <summary>The socket closed or failed: calls in flight fail; come back after a jittered pause and subscribe again.</summary>
    private void Dropped(Exception? error)
    {
        _loop.Remove(this);
        _socket?.Dispose();
        _socket = null;
        _calls.FailAll();
        if (_disposed)
        {
            return;
        }
        if (error is not null)
        {
            _meter.Error(error);
        }
        Interlocked.Increment(ref _meter.Disconnects);
        _ = Task.Run(async () =>
        {
            for (var retry = 0; !_disposed; retry++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1_000) + 1_000 * Math.Min(retry, 10)));
                try
                {
                    Connect();
                    Interlocked.Increment(ref _meter.Reconnects);
                    await _onConnected(this);
                    return;
                }
                catch (Exception ex) when (ex is SocketException or System.Net.WebSockets.WebSocketException or InvalidOperationException or IOException or TimeoutException)
                {
                    _meter.Error(ex);
                }
            }
        });
    }

    /// <summary>One epoll thread and the connections it reads; it also sends their pings.</summary>
    private sealed class EpollLoop
    {
        private const int EpollIn = 0x001, EpollCtlAdd = 1, EpollCtlDel = 2, MaxEvents = 256;

        // struct epoll_event { uint32_t events; epoll_data_t data; }: packed (12 bytes) on x86-64, 16 bytes elsewhere.
        private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
        private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

        private readonly int _epoll;
        private readonly ConcurrentDictionary<long, (EpollHubConnection Connection, Socket Socket)> _registered = new();
        private readonly ConcurrentDictionary<EpollHubConnection, long> _ids = new();
        private long _nextId;

        public EpollLoop(int index)
        {
            _epoll = epoll_create1(0);
            if (_epoll < 0)
            {
                throw new InvalidOperationException($"epoll_create1 failed: {Marshal.GetLastPInvokeError()}");
            }
            new Thread(Run) { IsBackground = true, Name = $"light readers {index}" }.Start();
            new Thread(PingAll) { IsBackground = true, Name = $"light reader pings {index}" }.Start();
        }

        public void Add(EpollHubConnection connection, Socket socket)
        {
            var id = Interlocked.Increment(ref _nextId);
            _registered[id] = (connection, socket);
            _ids[connection] = id;
            Span<byte> ev = stackalloc byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(ev, EpollIn);
            BinaryPrimitives.WriteInt64LittleEndian(ev[DataOffset..], id);
            if (epoll_ctl(_epoll, EpollCtlAdd, (int)socket.Handle, ref MemoryMarshal.GetReference(ev)) != 0)
            {
                _registered.TryRemove(id, out _);
                _ids.TryRemove(connection, out _);
                throw new InvalidOperationException($"epoll_ctl failed: {Marshal.GetLastPInvokeError()}");
            }
        }

        public void Remove(EpollHubConnection connection)
        {
            if (_ids.TryRemove(connection, out var id) && _registered.TryRemove(id, out var entry))
            {
                try
                {
                    Span<byte> ev = stackalloc byte[16];
                    epoll_ctl(_epoll, EpollCtlDel, (int)entry.Socket.Handle, ref MemoryMarshal.GetReference(ev));
                }
                catch (ObjectDisposedException)
                {
                    // Closing the socket removed it from the epoll set already.
                }
            }
        }

        private void Run()
        {
            var events = new byte[MaxEvents * EventSize];
            while (true)
            {
                var ready = epoll_wait(_epoll, ref events[0], MaxEvents, 200);
                for (var i = 0; i < ready; i++)
                {
                    var id = BinaryPrimitives.ReadInt64LittleEndian(events.AsSpan(i * EventSize + DataOffset));
                    if (_registered.TryGetValue(id, out var entry))
                    {
                        try
                        {
                            entry.Connection.OnReadable();
                        }
                        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or System.Net.WebSockets.WebSocketException
                            or MessagePack.MessagePackSerializationException or InvalidOperationException)
                        {
                            entry.Connection.Dropped(ex);
                        }
                    }
                }
            }
        }

        private void PingAll()
        {
            while (true)
            {
                Thread.Sleep(LightHub.PingEvery);
                foreach (var (connection, _) in _registered.Values)
                {
                    connection.Ping();
                }
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int epoll_create1(int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int epoll_ctl(int epfd, int op, int fd, ref byte @event);

        [DllImport("libc", SetLastError = true)]
        private static extern int epoll_wait(int epfd, ref byte events, int maxevents, int timeout);
    }
}
