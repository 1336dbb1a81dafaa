using System.Text.Json;
using System.Text.Json.Serialization;
using MessagePack;
using MessagePack.Resolvers;

namespace LivePoll.Contracts;

/// <summary>
/// How messages look on the wire, the same over HTTP JSON, SignalR JSON and SignalR MessagePack: camelCase
/// members, enums as their names ("Accepted"), times in UTC. .NET clients configure their SignalR protocol with
/// these too (<c>AddJsonProtocol(o => WireFormats.Configure(o.PayloadSerializerOptions))</c>,
/// <c>AddMessagePackProtocol(o => o.SerializerOptions = WireFormats.MessagePack)</c>). One difference: poll snapshots and
/// feed events, the messages sent to every reader, leave out their null members in MessagePack
/// (<see cref="NilOmittingFormatter{T}"/>).
/// </summary>
public static class WireFormats
{
    public static void Configure(JsonSerializerOptions options) => options.Converters.Add(new JsonStringEnumConverter());

    public static MessagePackSerializerOptions MessagePack { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(DynamicEnumAsStringResolver.Instance, StandardResolver.Instance))
        .WithSecurity(MessagePackSecurity.UntrustedData);
}
