using System.Buffers;
using LivePoll.Contracts;
using LivePoll.LoadTests.Measurement;
using MessagePack;
using Microsoft.AspNetCore.SignalR.Client;

namespace LivePoll.LoadTests.Scenarios;

/// <summary>A simulated reader subscribed to a poll, resubscribing after a reconnect; its versions tell when votes reached it.</summary>
internal interface IPollReader : IAsyncDisposable
{
    VersionLog Versions { get; }

    /// <summary>A light reader when the protocol allows it (MessagePack), else one on the full SignalR client.</summary>
    static async Task<IPollReader> StartAsync(Target target, int index, string pollId, RunMeter meter, CancellationToken cancellationToken) =>
        target.LightClients
            ? await LightPollReader.StartAsync(target, index, pollId, meter, cancellationToken)
            : await PollReader.StartAsync(target, index, pollId, meter, cancellationToken);
}

/// <summary>A reader on the official .NET SignalR client: decodes every snapshot in full, as an app would.</summary>
internal sealed class PollReader : IPollReader
{
    private PollReader(HubConnection connection) => Connection = connection;

    public HubConnection Connection { get; }

    public VersionLog Versions { get; } = new();

    public static async Task<PollReader> StartAsync(Target target, int index, string pollId, RunMeter meter, CancellationToken cancellationToken)
    {
        var connection = await target.ConnectAsync(index, meter, cancellationToken);
        var reader = new PollReader(connection);
        connection.On<PollSnapshot>(ClientEvents.PollSnapshot, snapshot =>
        {
            reader.Versions.Seen(snapshot.Version);
            Interlocked.Increment(ref meter.Snapshots);
        });
        connection.Reconnected += async _ =>
        {
            try
            {
                reader.Versions.Seen((await connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, pollId)).Version);
            }
            catch (Exception ex)
            {
                meter.Error(ex);
            }
        };
        reader.Versions.Seen((await connection.InvokeAsync<PollSnapshot>(HubMethods.SubscribePoll, pollId, cancellationToken)).Version);
        return reader;
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

/// <summary>
/// A reader on a light hub connection (<see cref="LightHub"/>): of each snapshot it reads only the version, skipping the rest of
/// the MessagePack, so one tool process can hold tens of thousands of them.
/// </summary>
internal sealed class LightPollReader : IPollReader
{
    private ILightHubConnection? _connection;

    public VersionLog Versions { get; } = new();

    public static async Task<LightPollReader> StartAsync(Target target, int index, string pollId, RunMeter meter, CancellationToken cancellationToken)
    {
        var reader = new LightPollReader();
        reader._connection = await LightHub.ConnectAsync(target.HubUrl(index), target.ApiKey, meter,
            (name, arguments) =>
            {
                if (name == ClientEvents.PollSnapshot)
                {
                    var args = new MessagePackReader(arguments);
                    args.ReadArrayHeader();
                    reader.Versions.Seen(ReadVersion(ref args));
                    Interlocked.Increment(ref meter.Snapshots);
                }
            },
            async connection =>
            {
                var snapshot = await connection.InvokeAsync(HubMethods.SubscribePoll, [pollId], cancellationToken);
                var result = new MessagePackReader(snapshot);
                reader.Versions.Seen(ReadVersion(ref result));
            },
            cancellationToken);
        return reader;
    }

    public ValueTask DisposeAsync() => _connection?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>The version field of a PollSnapshot map; every other field is skipped.</summary>
    private static long ReadVersion(ref MessagePackReader reader)
    {
        var fields = reader.ReadMapHeader();
        for (var i = 0; i < fields; i++)
        {
            if (MessagePackFields.IsKey(ref reader, "version"u8))
            {
                return reader.ReadInt64();
            }
            reader.Skip();
        }
        throw new InvalidOperationException("A PollSnapshot without a version.");
    }
}
