using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LivePoll.Server.Diagnostics;

/// <summary>Writes a health report as a small JSON document a person or a probe can read.</summary>
internal static class HealthResponse
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Anyone gets each check's status; only the newsroom (a signed-in account or an API key) also gets the descriptions
    /// and data, which name internal addresses (the store's endpoint) and errors.
    /// </summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var detailed = context.User.Identity?.IsAuthenticated == true;
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => detailed
                    ? (object)new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }
                    : new { status = e.Value.Status.ToString() }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
