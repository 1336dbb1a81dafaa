using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using LivePoll.LoadTests.Measurement;
using MessagePack;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>A hub connection of a simulated reader: it invokes methods; events go to the handler it was made with.</summary>
internal interface ILightHubConnection : IAsyncDisposable
{
    /// <summary>Invokes a hub method and returns the MessagePack of its result.</summary>
    Task<ReadOnlySequence<byte>> InvokeAsync(string method, object?[] arguments, CancellationToken cancellationToken);
}

/// <summary>
/// Hub connections that cost a load tool next to nothing per message: a raw WebSocket speaking the SignalR
/// MessagePack protocol (negotiation skipped, as the pages and the balancer expect), handing the raw MessagePack of
/// each event to a callback that reads only the fields it needs. They invoke methods and await their results, send
/// pings so the server keeps them, and reconnect with a jittered delay when the socket drops, running
/// <c>onConnected</c> again so their owner subscribes again. On Linux, plain ws:// connections are read by a few
/// epoll threads (<see cref="EpollHubConnection"/>); elsewhere, and for wss://, by the framework's WebSocket
/// (<see cref="StreamHubConnection"/>). Used for simulated readers; voters and checks use the full SignalR client.
/// </summary>
internal static class LightHub
{
    public static readonly byte[] Handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"messagepack\",\"version\":1}\u001e");

    /// <summary>A SignalR ping: length 2, then the MessagePack array [6].</summary>
    public static readonly byte[] Ping = [2, 0x91, 6];

    /// <summary>Half the server's client timeout (30 s), as the official clients do.</summary>
    public static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(15);

    /// <summary>Handles one event: its target name and the MessagePack of its arguments array (valid during the call only).</summary>
    public delegate void EventHandler(string target, ReadOnlySequence<byte> arguments);

    /// <summary>
    /// <c>LIVEPOLL_LOAD_SOCKETS=dotnet</c> reads through the framework's WebSocket even where the epoll reader runs, to
    /// measure one against the other (load-tests/README.md, "The epoll reader against .NET's sockets").
    /// </summary>
    private static readonly bool FrameworkSockets = Environment.GetEnvironmentVariable("LIVEPOLL_LOAD_SOCKETS") == "dotnet";

    /// <summary>Connects, completes the handshake and runs <paramref name="onConnected"/>; it runs again after each reconnect.</summary>
    public static Task<ILightHubConnection> ConnectAsync(Uri hubUrl, string? accessToken, RunMeter meter, EventHandler onEvent,
        Func<ILightHubConnection, Task> onConnected, CancellationToken cancellationToken)
    {
        var url = new UriBuilder(hubUrl) { Scheme = hubUrl.Scheme == "https" ? "wss" : "ws" };
        if (accessToken is not null)
        {
            url.Query = "access_token=" + Uri.EscapeDataString(accessToken);
        }
        return url.Scheme == "ws" && EpollHubConnection.IsSupported && !FrameworkSockets
            ? EpollHubConnection.StartAsync(url.Uri, meter, onEvent, onConnected, cancellationToken)
            : StreamHubConnection.StartAsync(url.Uri, meter, onEvent, onConnected, cancellationToken);
    }

    /// <summary>
    /// One WebSocket message holds one or more SignalR messages, each prefixed by its length as a varint.
    /// <paramref name="data"/> need only stay valid during the call: events are handled in it, results copied.
    /// </summary>
    public static void Dispatch(ReadOnlyMemory<byte> data, EventHandler onEvent, LightHubCalls calls)
    {
        var rest = data;
        while (rest.Length > 0)
        {
            int length = 0, shift = 0, at = 0;
            byte b;
            do
            {
                b = rest.Span[at++];
                length |= (b & 0x7f) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);
            Handle(new ReadOnlySequence<byte>(rest.Slice(at, length)), onEvent, calls);
            rest = rest[(at + length)..];
        }
    }

    private static void Handle(ReadOnlySequence<byte> message, EventHandler onEvent, LightHubCalls calls)
    {
        var reader = new MessagePackReader(message);
        var fields = reader.ReadArrayHeader();
        switch (reader.ReadInt32())
        {
            case 1: // Invocation: [1, headers, invocationId, target, arguments, (streamIds)]
                reader.Skip();
                reader.Skip();
                var target = Target(ref reader);
                var start = reader.Position;
                reader.Skip();
                onEvent(target, message.Slice(start, reader.Position));
                break;
            case 3: // Completion: [3, headers, invocationId, resultKind, (result or error)]
                reader.Skip();
                var id = reader.ReadString()!;
                var kind = reader.ReadInt32();
                if (kind == 1)
                {
                    calls.Fail(id, new InvalidOperationException("Hub error: " + reader.ReadString()));
                }
                else
                {
                    calls.Complete(id, kind == 3 && fields > 4 ? new ReadOnlySequence<byte>(message.Slice(reader.Position).ToArray()) : ReadOnlySequence<byte>.Empty);
                }
                break;
        }
    }

    // The events readers get, without a new string for each message.
    private static string Target(ref MessagePackReader reader)
    {
        var name = MessagePackFields.ReadUtf8(ref reader);
        return name.SequenceEqual("PollSnapshot"u8) ? Contracts.ClientEvents.PollSnapshot
            : name.SequenceEqual("FeedEvent"u8) ? Contracts.ClientEvents.FeedEvent
            : Encoding.UTF8.GetString(name);
    }

    /// <summary>The outcome and version of a VoteResult; the message and choices are skipped.</summary>
    public static (Contracts.VoteOutcome Outcome, long? Version) ReadVote(ReadOnlySequence<byte> result)
    {
        var reader = new MessagePackReader(result);
        var fields = reader.ReadMapHeader();
        Contracts.VoteOutcome? outcome = null;
        long? version = null;
        for (var i = 0; i < fields; i++)
        {
            var key = MessagePackFields.ReadUtf8(ref reader);
            if (key.SequenceEqual("outcome"u8))
            {
                outcome = Enum.Parse<Contracts.VoteOutcome>(Encoding.UTF8.GetString(MessagePackFields.ReadUtf8(ref reader)));
            }
            else if (key.SequenceEqual("version"u8) && !reader.TryReadNil())
            {
                version = reader.ReadInt64();
            }
            else
            {
                reader.Skip();
            }
        }
        return (outcome ?? throw new InvalidOperationException("A vote result without an outcome."), version);
    }

    /// <summary>A SignalR invocation, length-prefixed: [1, {}, id, method, [arguments]].</summary>
    public static byte[] Invocation(string id, string method, object?[] arguments)
    {
        var body = new ArrayBufferWriter<byte>(128);
        var writer = new MessagePackWriter(body);
        writer.WriteArrayHeader(5);
        writer.Write(1);
        writer.WriteMapHeader(0);
        writer.Write(id);
        writer.Write(method);
        writer.WriteArrayHeader(arguments.Length);
        foreach (var argument in arguments)
        {
            switch (argument)
            {
                case null:
                    writer.WriteNil();
                    break;
                case string text:
                    writer.Write(text);
                    break;
                case long number:
                    writer.Write(number);
                    break;
                case Contracts.VoteRequest vote:
                    writer.WriteMapHeader(3);
                    writer.Write("pollId");
                    writer.Write(vote.PollId);
                    if (vote.Text is { } answer)
                    {
                        // A words poll's answer.
                        writer.Write("text");
                        writer.Write(answer);
                    }
                    else
                    {
                        writer.Write("optionIds");
                        writer.WriteArrayHeader(vote.OptionIds?.Count ?? 0);
                        foreach (var optionId in vote.OptionIds ?? [])
                        {
                            writer.Write(optionId);
                        }
                    }
                    writer.Write("voterToken");
                    writer.Write(vote.VoterToken);
                    break;
                default:
                    throw new ArgumentException($"A light hub call takes strings and numbers, not {argument.GetType().Name}.");
            }
        }
        writer.Flush();

        var framed = new ArrayBufferWriter<byte>(body.WrittenCount + 5);
        for (var length = (uint)body.WrittenCount; ; length >>= 7)
        {
            if (length > 0x7f)
            {
                framed.Write([(byte)((length & 0x7f) | 0x80)]);
                continue;
            }
            framed.Write([(byte)length]);
            break;
        }
        framed.Write(body.WrittenSpan);
        return framed.WrittenSpan.ToArray();
    }
}

/// <summary>The calls of one light connection awaiting their completion, by invocation id.</summary>
internal sealed class LightHubCalls
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ReadOnlySequence<byte>>> _calls = new();
    private int _nextId;

    public async Task<ReadOnlySequence<byte>> InvokeAsync(string method, object?[] arguments, Func<byte[], Task> send, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var call = new TaskCompletionSource<ReadOnlySequence<byte>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = call;
        try
        {
            await send(LightHub.Invocation(id, method, arguments));
            return await call.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        finally
        {
            _calls.TryRemove(id, out _);
        }
    }

    public void Complete(string id, ReadOnlySequence<byte> result)
    {
        if (_calls.TryGetValue(id, out var call))
        {
            call.TrySetResult(result);
        }
    }

    public void Fail(string id, Exception error)
    {
        if (_calls.TryGetValue(id, out var call))
        {
            call.TrySetException(error);
        }
    }

    /// <summary>The connection dropped: every call in flight fails.</summary>
    public void FailAll()
    {
        foreach (var call in _calls.Values)
        {
            call.TrySetException(new System.Net.WebSockets.WebSocketException("The connection dropped."));
        }
    }
}
