using System.Collections.Concurrent;
using System.Globalization;
using LivePoll.Contracts;
using SkiaSharp;

namespace LivePoll.Server.Polls;

/// <summary>
/// A poll's results as a PNG for sharing (1200×630, the size link previews use): the question, a bar per option with its
/// count and share, and the total, in Kazakh, Russian or English, drawn on the server with SkiaSharp in a font that has
/// Kazakh letters (DejaVu Sans from Debian's fonts-dejavu-core, else Liberation Sans). Counts the poll hides from readers
/// stay hidden. An image is kept per poll and language and drawn again when the poll's version changed and the last one
/// is more than a few seconds old, so a poll under a surge costs one drawing per few seconds, not one per vote.
/// </summary>
public sealed class PollResultsImage : IDisposable
{
    public const int Width = 1200, Height = 630;

    /// <summary>How long an image of an older version may still be served while votes keep arriving.</summary>
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    private static readonly string[] RegularFonts =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    ];

    private static readonly string[] BoldFonts =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    ];

    private readonly ConcurrentDictionary<(string PollId, string Language), Drawn> _drawn = new();
    private readonly SKTypeface _regular;
    private readonly SKTypeface _bold;
    private readonly TimeProvider _clock;

    public PollResultsImage(TimeProvider clock, ILogger<PollResultsImage> logger)
    {
        _clock = clock;
        _regular = Load(RegularFonts);
        _bold = Load(BoldFonts);
        if (_regular == SKTypeface.Default)
        {
            PollLog.NoResultsFont(logger, string.Join(", ", RegularFonts));
        }
    }

    // Words: which entries the image shows. A change of them (approved, hidden, blocked) draws it again at once, not a few
    // seconds later: an entry taken off the cloud leaves the image too.
    private sealed record Drawn(string Epoch, long Version, PollState State, bool Visible, bool Revealed, string Words, DateTimeOffset At, byte[] Png);

    private static string ShownWords(PollSnapshot snapshot) => snapshot.Words is { } words ? string.Join('\n', words.Select(w => w.Text)) : "";

    /// <summary>The PNG of <paramref name="snapshot"/> in <paramref name="language"/> (kk, ru, en), and the version it shows.</summary>
    public (byte[] Png, long Version) Get(PollSnapshot snapshot, string language)
    {
        var key = (snapshot.PollId, language);
        var now = _clock.GetUtcNow();
        if (_drawn.TryGetValue(key, out var drawn) && drawn.Epoch == snapshot.Epoch && drawn.State == snapshot.State
            && drawn.Visible == snapshot.ResultsVisible && drawn.Revealed == snapshot.AnswersRevealed && drawn.Words == ShownWords(snapshot) && (drawn.Version == snapshot.Version || now - drawn.At < Freshness))
        {
            return (drawn.Png, drawn.Version);
        }
        if (_drawn.Count > 10_000)
        {
            _drawn.Clear();
        }
        drawn = new Drawn(snapshot.Epoch, snapshot.Version, snapshot.State, snapshot.ResultsVisible, snapshot.AnswersRevealed, ShownWords(snapshot), now, Draw(snapshot, language));
        _drawn[key] = drawn;
        return (drawn.Png, drawn.Version);
    }

    private byte[] Draw(PollSnapshot poll, string language)
    {
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var ink = new SKPaint { Color = new SKColor(0x1b, 0x1f, 0x24), IsAntialias = true };
        using var muted = new SKPaint { Color = new SKColor(0x5b, 0x64, 0x70), IsAntialias = true };
        using var brand = new SKPaint { Color = new SKColor(0x0b, 0x5c, 0xab), IsAntialias = true };
        using var track = new SKPaint { Color = new SKColor(0xe8, 0xee, 0xf5), IsAntialias = true };
        using var leader = new SKPaint { Color = new SKColor(0x0b, 0x5c, 0xab), IsAntialias = true };
        using var bar = new SKPaint { Color = new SKColor(0x7f, 0xa8, 0xd6), IsAntialias = true };
        using var right = new SKPaint { Color = new SKColor(0x1a, 0x7f, 0x37), IsAntialias = true };

        const float margin = 60;
        canvas.DrawRect(0, 0, Width, 12, brand);
        using var small = new SKFont(_bold, 26);
        canvas.DrawText("● LivePoll", margin, 62, SKTextAlign.Left, small, brand);
        var status = Texts.TextCatalog.Get(language, poll.State switch { PollState.Closed => "imageClosed", PollState.Scheduled => "imageScheduled", _ => "imageOpen" });
        canvas.DrawText(status, Width - margin, 62, SKTextAlign.Right, small, poll.State == PollState.Open ? brand : muted);

        // The question, on up to two lines, smaller when long.
        using var title = new SKFont(_bold, poll.Question.Length > 90 ? 36 : 44);
        var y = 130f;
        foreach (var line in Wrap(poll.Question, title, Width - 2 * margin, maxLines: 2))
        {
            canvas.DrawText(line, margin, y, SKTextAlign.Left, title, ink);
            y += title.Size * 1.25f;
        }

        // A words poll shows its most sent approved entries as rows.
        var options = poll.Kind == PollKind.Words
            ? (poll.Words ?? []).Take(6).Select(w => new PollOptionView { Id = w.Text, Text = w.Text, Count = w.Count }).ToList()
            : poll.Options.Take(poll.Kind == PollKind.Rating ? 11 : 6).ToList();
        // Bars are shares of voters; a ranking's are shares of all Borda points.
        var total = poll.Kind == PollKind.Ranking ? poll.Options.Sum(o => o.Count ?? 0) : poll.TotalVoters ?? 0;
        var shares = poll.ResultsVisible ? Percentages(options.Select(o => o.Count ?? 0).ToList()) : null;
        var top = options.Count == 0 ? 0 : options.Max(o => o.Count ?? 0);
        var rowHeight = Math.Min(80f, (Height - 90 - y) / Math.Max(1, options.Count));
        using var label = new SKFont(_regular, Math.Min(28, rowHeight * 0.38f));
        using var figure = new SKFont(_bold, Math.Min(28, rowHeight * 0.38f));
        for (var i = 0; i < options.Count; i++)
        {
            var option = options[i];
            var rowTop = y + i * rowHeight;
            // A quiz's right answer is marked only once the snapshot carries it (revealed); before, nothing tells it apart.
            var mark = option.Correct == true ? "✓ " : "";
            var text = Shorten($"{mark}{i + 1}. {option.Text}", label, Width - 2 * margin - 300);
            canvas.DrawText(text, margin, rowTop + label.Size, SKTextAlign.Left, label, option.Correct == true ? right : ink);
            var barTop = rowTop + label.Size + 10;
            var barHeight = Math.Max(8, rowHeight - label.Size - 22);
            canvas.DrawRoundRect(margin, barTop, Width - 2 * margin, barHeight, 6, 6, track);
            if (shares is not null)
            {
                var count = option.Count ?? 0;
                var width = total == 0 ? 0 : (Width - 2 * margin) * count / (float)total;
                if (width > 0)
                {
                    canvas.DrawRoundRect(margin, barTop, Math.Max(width, 12), barHeight, 6, 6, option.Correct == true ? right : count == top ? leader : bar);
                }
                var figures = poll.Kind == PollKind.Ranking && option.AveragePosition is { } place
                    ? $"{Texts.TextCatalog.Get(language, "points", new Dictionary<string, object?> { ["n"] = Number(count, language) })} · ⌀ {Decimal(place, language)}"
                    : $"{Number(count, language)} · {shares[i]}%";
                canvas.DrawText(figures, Width - margin, rowTop + figure.Size, SKTextAlign.Right, figure, ink);
            }
        }

        using var footer = new SKFont(_regular, 26);
        var bottom = Texts.TextCatalog.Get(language, poll.ResultsVisible ? "total" : "afterClose", new Dictionary<string, object?> { ["n"] = poll.TotalVoters ?? 0 });
        if (poll.Average is { } average)
        {
            bottom += " · " + Texts.TextCatalog.Get(language, "averageOf", new Dictionary<string, object?> { ["n"] = Decimal(average, language), ["max"] = poll.Options[^1].Id });
        }
        if (poll.RightVoters is { } rightVoters && poll.TotalVoters is > 0 and { } voters)
        {
            bottom += " · " + Texts.TextCatalog.Get(language, "rightShare", new Dictionary<string, object?> { ["p"] = (int)Math.Round(rightVoters * 100.0 / voters) });
        }
        canvas.DrawText(bottom, margin, Height - 40, SKTextAlign.Left, footer, muted);

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    /// <summary>Whole-number shares that add up to 100 (largest remainders), as the pages show them.</summary>
    private static int[] Percentages(IReadOnlyList<long> counts)
    {
        var total = counts.Sum();
        if (total == 0)
        {
            return new int[counts.Count];
        }
        var exact = counts.Select(c => c * 100.0 / total).ToArray();
        var shares = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (var i in exact.Select((e, i) => (Remainder: e - Math.Floor(e), Index: i)).OrderByDescending(p => p.Remainder).Take(100 - shares.Sum()).Select(p => p.Index))
        {
            shares[i]++;
        }
        return shares;
    }

    private static string Number(long value, string language) => Texts.TextCatalog.Number(value, language);

    private static string Decimal(double value, string language) =>
        value.ToString("0.#", CultureInfo.GetCultureInfo(language == "en" ? "en-GB" : "ru-RU"));

    private static IEnumerable<string> Wrap(string text, SKFont font, float width, int maxLines)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var lines = new List<string>();
        var line = "";
        foreach (var word in words)
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (font.MeasureText(candidate) <= width || line.Length == 0)
            {
                line = candidate;
                continue;
            }
            lines.Add(line);
            line = word;
        }
        if (line.Length > 0)
        {
            lines.Add(line);
        }
        if (lines.Count > maxLines)
        {
            lines = [.. lines.Take(maxLines - 1), Shorten(string.Join(" ", lines.Skip(maxLines - 1)), font, width)];
        }
        return lines.Select(l => Shorten(l, font, width));
    }

    private static string Shorten(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width)
        {
            return text;
        }
        while (text.Length > 1 && font.MeasureText(text + "…") > width)
        {
            text = text[..^1];
        }
        return text.TrimEnd() + "…";
    }

    private static SKTypeface Load(string[] candidates) =>
        candidates.Where(File.Exists).Select(SKTypeface.FromFile).FirstOrDefault(t => t is not null) ?? SKTypeface.Default;

    public void Dispose()
    {
        _regular.Dispose();
        _bold.Dispose();
    }
}
