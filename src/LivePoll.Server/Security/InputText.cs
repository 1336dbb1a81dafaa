using System.Globalization;
using System.Text;

namespace LivePoll.Server.Security;

/// <summary>
/// Text as LivePoll keeps it: what a person can read and every format LivePoll writes (XML feeds, HTML, JSON, CSV,
/// images) can carry. Text pasted from word processors brings characters that are none of that: a vertical tab (Word's
/// line break), form feeds, other control characters, noncharacters such as U+FFFE, a lone half of a surrogate pair. XML
/// 1.0 forbids most of them, so one of them in a title once took the RSS and Atom feeds down. Every text field a person
/// writes (articles, corrections, tips, polls) is cleaned where it enters (<see cref="Clean"/>), and every XML writer
/// cleans again what it writes, for records stored before this rule.
/// </summary>
/// <remarks>
/// The rule: tab and newline stay in text that may have lines; a carriage return, a vertical tab, a form feed and the C1
/// "next line" become a newline there (a space in one-line text such as a title, where tab and newline become a space too);
/// every other C0 or C1 control character, DEL, every Unicode noncharacter (U+FDD0–U+FDEF and the last two code points of
/// each plane, U+FFFE and U+FFFF among them) and every unpaired surrogate is removed.
/// </remarks>
public static class InputText
{
    /// <summary>
    /// A client's value (an id, a name) as an error message repeats it: at most 40 characters, so a long or hostile value
    /// cannot fill an answer or a log.
    /// </summary>
    public static string Shown(string? value) => value is null ? "" : value.Length > 40 ? value[..40] + "…" : value;

    /// <summary>The text cleaned by the rule above; null stays null.</summary>
    public static string? Clean(string? text, bool multiline = false)
    {
        if (text is null || IsClean(text, multiline))
        {
            return text;
        }
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (!IsNoncharacter(char.ConvertToUtf32(c, text[i + 1])))
                {
                    clean.Append(c).Append(text[i + 1]);
                }
                i++;
                continue;
            }
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue;
            }
            switch (Classify(c))
            {
                case Kind.Keep:
                    clean.Append(c);
                    break;
                case Kind.Tab:
                    clean.Append(multiline ? '\t' : ' ');
                    break;
                case Kind.LineBreak:
                    clean.Append(multiline ? '\n' : ' ');
                    break;
            }
        }
        return clean.ToString();
    }

    /// <summary>Whether <paramref name="text"/> is kept as it is by <see cref="Clean"/>.</summary>
    public static bool IsClean(string text, bool multiline = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c >= ' ' && c < '\u007f')
            {
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (IsNoncharacter(char.ConvertToUtf32(c, text[i + 1])))
                {
                    return false;
                }
                i++;
                continue;
            }
            var kind = Classify(c);
            if (kind == Kind.Drop || (kind != Kind.Keep && (!multiline || c is not ('\t' or '\n'))))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The first character <see cref="Clean"/> would change, as "U+000B", or null when there is none.</summary>
    public static string? FirstUnclean(string text, bool multiline = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var length = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            if (!IsClean(text.Substring(i, length), multiline))
            {
                var codePoint = length == 2 ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
                return "U+" + codePoint.ToString("X4", CultureInfo.InvariantCulture);
            }
            i += length - 1;
        }
        return null;
    }

    private enum Kind { Keep, Tab, LineBreak, Drop }

    private static Kind Classify(char c) => c switch
    {
        '\t' => Kind.Tab,
        '\n' or '\r' or '\v' or '\f' or '\u0085' => Kind.LineBreak,
        < ' ' or (>= '\u007f' and <= '\u009f') => Kind.Drop,
        >= '\ufdd0' and <= '\ufdef' or '\ufffe' or '\uffff' => Kind.Drop,
        _ when char.IsSurrogate(c) => Kind.Drop,
        _ => Kind.Keep,
    };

    private static bool IsNoncharacter(int codePoint) => (codePoint & 0xFFFE) == 0xFFFE;
}
