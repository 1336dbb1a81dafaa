using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LivePoll.Server.Texts;

/// <summary>
/// Every text LivePoll shows people, in Kazakh (the default), Russian and English: one file, Texts/texts.json, read here
/// by the server (feeds' day headings, server-rendered pages, results images) and, turned into wwwroot/lib/texts.js by
/// the build, by the pages' i18n.js. A text is a string with {name} placeholders, or an object of CLDR plural forms
/// ("one", "few", "many", "other") chosen by the number in {n}: "Всего: 1 голос", "Всего: 2 голоса", "Всего: 5 голосов".
/// </summary>
public static class TextCatalog
{
    public static readonly IReadOnlyList<string> Languages = ["kk", "ru", "en"];

    private static readonly Dictionary<string, Dictionary<string, JsonElement>> All = Load();

    /// <summary>The text <paramref name="key"/> in <paramref name="language"/> (English, then the key, when missing) with its placeholders filled.</summary>
    public static string Get(string language, string key, IReadOnlyDictionary<string, object?>? values = null)
    {
        language = Normalize(language);
        var text = Form(language, key, values is not null && values.TryGetValue("n", out var n) ? n : null);
        if (values is null || text.IndexOf('{') < 0)
        {
            return text;
        }
        var result = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var close = text[i] == '{' ? text.IndexOf('}', i) : -1;
            if (close > i && values.TryGetValue(text[(i + 1)..close], out var value))
            {
                result.Append(value switch
                {
                    int number => Number(number, language),
                    long number => Number(number, language),
                    _ => Convert.ToString(value, CultureInfo.InvariantCulture),
                });
                i = close;
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }

    /// <summary>The text with one placeholder, {n}, filled with a count (which also picks the plural form).</summary>
    public static string Count(string language, string key, long n) => Get(language, key, new Dictionary<string, object?> { ["n"] = n });

    /// <summary>
    /// The raw form of <paramref name="key"/> for the count <paramref name="n"/> (placeholders left in), e.g. to put a
    /// number in its own element.
    /// </summary>
    public static string Form(string language, string key, object? n = null)
    {
        language = Normalize(language);
        if (!All[language].TryGetValue(key, out var text) && !All["en"].TryGetValue(key, out text))
        {
            return key;
        }
        if (text.ValueKind == JsonValueKind.String)
        {
            return text.GetString()!;
        }
        var category = n switch
        {
            int i => PluralCategory(language, i),
            long l => PluralCategory(language, l),
            _ => "other",
        };
        return text.TryGetProperty(category, out var form) ? form.GetString()! : text.GetProperty("other").GetString()!;
    }

    /// <summary>
    /// The CLDR plural category of a whole number (what Intl.PluralRules.select answers in the browser): Russian one
    /// (1, 21, 101…), few (2–4, 22–24…), many (0, 5–20, 25…); English and Kazakh one (1) or other.
    /// </summary>
    public static string PluralCategory(string language, long n)
    {
        var abs = Math.Abs(n);
        if (language != "ru")
        {
            return abs == 1 ? "one" : "other";
        }
        var (last, lastTwo) = (abs % 10, abs % 100);
        if (last == 1 && lastTwo != 11)
        {
            return "one";
        }
        return last is >= 2 and <= 4 && lastTwo is < 12 or > 14 ? "few" : "many";
    }

    /// <summary>
    /// A whole number as the language writes it, as the pages' Intl.NumberFormat does with useGrouping "min2": groups of
    /// three from five digits on, separated by a no-break space (kk, ru) or a comma (en): 1234, 12 345, 12,345.
    /// </summary>
    public static string Number(long n, string language)
    {
        var digits = Math.Abs(n).ToString(CultureInfo.InvariantCulture);
        if (digits.Length >= 5)
        {
            var separator = Form(language, "numberGroup");
            var grouped = new StringBuilder();
            for (var i = 0; i < digits.Length; i++)
            {
                if (i > 0 && (digits.Length - i) % 3 == 0)
                {
                    grouped.Append(separator);
                }
                grouped.Append(digits[i]);
            }
            digits = grouped.ToString();
        }
        return n < 0 ? "-" + digits : digits;
    }

    /// <summary>Month names as a date is written ("03 желтоқсан", "03 декабря", "03 December"), January first.</summary>
    public static string Month(string language, int month) => Form(language, "months").Split(' ')[month - 1];

    /// <summary>The language to use: the requested one when known, else kk.</summary>
    public static string Normalize(string? language) =>
        language is not null && Languages.Contains(language.ToLowerInvariant()) ? language.ToLowerInvariant() : "kk";

    private static Dictionary<string, Dictionary<string, JsonElement>> Load()
    {
        using var stream = typeof(TextCatalog).Assembly.GetManifestResourceStream("LivePoll.Server.texts.json")
            ?? throw new InvalidOperationException("Texts/texts.json is not embedded in LivePoll.Server.");
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.EnumerateObject().ToDictionary(
            language => language.Name,
            language => language.Value.EnumerateObject().ToDictionary(text => text.Name, text => text.Value.Clone()));
    }
}
