using System.Text.Encodings.Web;
using System.Text.Json;

namespace LivePoll.Server.Diagnostics;

internal static class LivePollLogging
{
    /// <summary>
    /// Outside Development the console log is JSON, one object per line (timestamp in UTC, event id, category, level,
    /// message and its values), so a log shipper takes each event whole; letters stay readable (Kazakh and Russian are
    /// not escaped). <c>Logging:Console:FormatterName</c> (e.g. <c>simple</c>) chooses another. Development keeps the
    /// readable multi-line console.
    /// </summary>
    public static WebApplicationBuilder UseLivePollLogging(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment() && string.IsNullOrEmpty(builder.Configuration["Logging:Console:FormatterName"]))
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.IncludeScopes = false;
                o.JsonWriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
            });
        }
        return builder;
    }
}
