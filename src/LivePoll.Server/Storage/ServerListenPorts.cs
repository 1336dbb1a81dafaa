using System.Globalization;

namespace LivePoll.Server.Storage;

/// <summary>
/// The ports this server's own HTTP endpoints are configured to listen on (<c>urls</c>, ASPNETCORE_URLS or --urls;
/// <c>http_ports</c>/<c>https_ports</c>; Kestrel:Endpoints:*:Url). The embedded store starts before Kestrel binds,
/// so a free port it finds could be one of these (free because the server has not bound it yet, e.g. just after a
/// restart on the same port); it skips them.
/// </summary>
internal static class ServerListenPorts
{
    public static IReadOnlySet<int> From(IConfiguration configuration)
    {
        var ports = new HashSet<int>();
        foreach (var url in Split(configuration["urls"]).Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"] ?? "")))
        {
            // "http://+:80", "http://*:5000", "http://[::1]:8080", "http://127.0.0.1:5000/base": the port follows the host.
            var withoutScheme = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
            var authority = withoutScheme.Split('/')[0];
            var colon = authority.LastIndexOf(':');
            if (colon >= 0 && colon > authority.LastIndexOf(']') && int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                ports.Add(port);
            }
        }
        foreach (var value in Split(configuration["http_ports"]).Concat(Split(configuration["https_ports"])))
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                ports.Add(port);
            }
        }
        return ports;
    }

    private static IEnumerable<string> Split(string? list) =>
        (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
