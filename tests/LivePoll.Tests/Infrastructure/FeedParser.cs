using System.Diagnostics;
using System.Text.Json;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// A feed read the way feed readers read it: Debian's python3-feedparser (Universal Feed Parser), which says when a
/// document is not well-formed ("bozo"). ./test.sh installs it.
/// </summary>
public static class FeedParser
{
    public sealed record Parsed(bool Bozo, string? Problem, IReadOnlyList<string> Titles, IReadOnlyList<string> Contents, IReadOnlyList<string> Authors);

    private const string Script = """
        import json, sys, feedparser
        d = feedparser.parse(sys.stdin.buffer.read())
        norm = lambda s: " ".join((s or "").split())
        print(json.dumps({
            "bozo": bool(d.bozo),
            "problem": str(d.get("bozo_exception", "")) or None,
            "titles": [norm(e.get("title")) for e in d.entries],
            "contents": [norm(" ".join([c.value for c in e.get("content", [])] + [e.get("summary", "")])) for e in d.entries],
            "authors": [norm(e.get("author")) for e in d.entries],
        }))
        """;

    /// <summary>Parses <paramref name="xml"/>; titles and contents with their whitespace runs collapsed to one space.</summary>
    public static async Task<Parsed> ParseAsync(string xml)
    {
        var python = ChildProcess.FindTool("python3", "python3-feedparser");
        var info = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(xml);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().DefaultTimeout();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"feedparser failed ({process.ExitCode}): {await errors} (./test.sh installs python3-feedparser)");
        }
        using var json = JsonDocument.Parse(await output);
        var root = json.RootElement;
        static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString() ?? "")];
        return new Parsed(root.GetProperty("bozo").GetBoolean(), root.GetProperty("problem").GetString(),
            Strings(root.GetProperty("titles")), Strings(root.GetProperty("contents")), Strings(root.GetProperty("authors")));
    }
}
