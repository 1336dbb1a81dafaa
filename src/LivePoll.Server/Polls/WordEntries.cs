using System.Text;
using LivePoll.Server.Security;

namespace LivePoll.Server.Polls;

/// <summary>
/// What readers send to a words poll, made comparable: "Экономика!", "экономика" and "ЭКОНОМИКА" are one entry. Lower case
/// (Kazakh and Russian letters included), ё as е, punctuation and symbols dropped (a hyphen inside a word stays:
/// "нұр-сұлтан"), spaces collapsed, and the common words of Kazakh, Russian and English left out ("және", "и", "the").
/// In the store an entry is "w:" and its words joined by "_" (never in an entry), so it fits the vote script's
/// comma- and space-separated records.
/// </summary>
public static class WordEntries
{
    public const int MaxLength = 40;
    public const string KeyPrefix = "w:";

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        // Kazakh
        "және", "мен", "бен", "пен", "да", "де", "та", "те", "ал", "бұл", "сол", "ол", "осы", "не", "ма", "ме", "ба", "бе", "па", "пе",
        "үшін", "емес", "еді", "бар", "жоқ", "деп", "мұнда", "сияқты", "туралы", "ғана", "қана",
        // Russian
        "и", "в", "во", "на", "не", "что", "это", "как", "а", "но", "с", "со", "по", "к", "ко", "у", "за", "из", "о", "об", "же", "ли",
        "бы", "то", "я", "мы", "вы", "он", "она", "они", "от", "до", "для", "так", "все", "всё", "или", "уже", "очень",
        // English
        "the", "a", "an", "and", "or", "of", "to", "in", "is", "it", "for", "on", "with", "that", "this", "be", "are", "was", "at",
        "by", "as", "i", "we", "you", "very",
    };

    /// <summary>The entry for <paramref name="text"/>, or a sentence saying what to send instead.</summary>
    public static (string? Entry, string? Problem) Normalize(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return (null, "Send a word or a short phrase as text, 1 to 40 characters.");
        }
        if (trimmed.Length > MaxLength)
        {
            return (null, $"A word or a short phrase is at most {MaxLength} characters; this text has {trimmed.Length:N0}.");
        }
        if (!InputText.IsClean(trimmed))
        {
            return (null, "The text holds control or invisible characters: send letters, digits and spaces.");
        }
        var letters = new StringBuilder(trimmed.Length);
        foreach (var c in trimmed.Normalize(NormalizationForm.FormC).ToLowerInvariant())
        {
            letters.Append(c switch
            {
                'ё' => 'е',
                _ when char.IsLetterOrDigit(c) => c,
                '-' or '‐' or '‑' => '-',
                _ => ' ',
            });
        }
        var words = letters.ToString()
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim('-'))
            .Where(w => w.Length > 0 && !StopWords.Contains(w))
            .ToList();
        if (words.Count == 0)
        {
            return (null, "That holds only common words (and, и, және…) or punctuation: send a word that says something.");
        }
        return (string.Join(' ', words), null);
    }

    /// <summary>The store's key of an entry: "w:" and its words joined by "_".</summary>
    public static string Key(string entry) => KeyPrefix + entry.Replace(' ', '_');

    public static bool IsKey(string value) => value.StartsWith(KeyPrefix, StringComparison.Ordinal);

    /// <summary>The entry a key stands for, as readers see it.</summary>
    public static string Text(string key) => IsKey(key) ? key[KeyPrefix.Length..].Replace('_', ' ') : key;

    /// <summary>Entries as the newsroom types them into its lists, normalised like readers' entries; nonsense left out.</summary>
    public static IReadOnlyList<string> NormalizeList(IEnumerable<string>? entries) =>
        (entries ?? []).Select(e => Normalize(e).Entry).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
}
