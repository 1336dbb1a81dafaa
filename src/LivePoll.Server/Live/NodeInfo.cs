using System.Reflection;
using LivePoll.Contracts;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Live;

/// <summary>Settings of this node (section <c>Node</c>).</summary>
public sealed class NodeOptions
{
    public const string Section = "Node";

    /// <summary>This node's name in answers, logs and metrics; defaults to the machine name and process id.</summary>
    public string? Name { get; set; }
}

/// <summary>Who this node is, for <see cref="ServerInfo"/> answers.</summary>
public sealed class NodeInfo(IOptions<NodeOptions> options, TimeProvider clock)
{
    public string Name { get; } = string.IsNullOrWhiteSpace(options.Value.Name)
        ? $"{Environment.MachineName}-{Environment.ProcessId}"
        : options.Value.Name;

    public static string Version { get; } =
        typeof(NodeInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public ServerInfo Describe() => new() { Node = Name, Version = Version, ServerTime = clock.GetUtcNow().UtcDateTime };
}
