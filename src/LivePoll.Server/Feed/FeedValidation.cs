using LivePoll.Contracts;
using LivePoll.Server.Security;

namespace LivePoll.Server.Feed;

/// <summary>Checks of newsroom input about articles, with messages an editor can act on.</summary>
internal static class FeedValidation
{
    public const int MaxBodyCharacters = 100_000;

    public const int MaxNesting = 256;

    // Elements with no content or whose end tag HTML lets a writer leave out: they do not deepen the nesting.
    private static readonly HashSet<string> Flat = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
        "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "tbody", "thead", "tfoot", "colgroup", "rb", "rt", "rp",
    };

    /// <summary>The body as it will be stored (cleaned) fits the limit.</summary>
    public static void CheckCleanBody(Dictionary<string, string[]> errors, string? cleanBody)
    {
        if (cleanBody is { Length: > MaxBodyCharacters } && !errors.ContainsKey("body"))
        {
            errors["body"] = [$"body is at most {MaxBodyCharacters} characters once cleaned (this one has {cleanBody.Length})."];
        }
    }

    /// <summary>How deep elements nest, counted from the tags (an estimate that never needs a parse).</summary>
    internal static int NestingDepth(string html)
    {
        int depth = 0, deepest = 0;
        for (var i = html.IndexOf('<'); i >= 0 && i < html.Length - 1; i = html.IndexOf('<', i + 1))
        {
            var closing = html[i + 1] == '/';
            var start = closing ? i + 2 : i + 1;
            var end = start;
            while (end < html.Length && char.IsAsciiLetterOrDigit(html[end]))
            {
                end++;
            }
            if (end == start || (!closing && !char.IsAsciiLetter(html[start])))
            {
                continue;
            }
            var name = html.AsSpan(start, end - start);
            if (Flat.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name))
            {
                continue;
            }
            var close = html.IndexOf('>', end);
            if (!closing && close > 0 && html[close - 1] == '/')
            {
                continue;
            }
            depth = closing ? Math.Max(0, depth - 1) : depth + 1;
            deepest = Math.Max(deepest, depth);
        }
        return deepest;
    }
    /// <summary>
    /// The input with its text cleaned as it enters (<see cref="InputText"/>: control characters and the like that a paste
    /// from a word processor brings). Links are not cleaned: one with such a character is refused (<see cref="Url"/>).
    /// </summary>
    public static ArticleInput Clean(ArticleInput input) => input with
    {
        Title = InputText.Clean(input.Title),
        Lead = InputText.Clean(input.Lead, multiline: true),
        Body = InputText.Clean(input.Body, multiline: true),
        ImageCredit = InputText.Clean(input.ImageCredit),
        ImageAlt = InputText.Clean(input.ImageAlt),
        SourceName = InputText.Clean(input.SourceName),
        Byline = InputText.Clean(input.Byline),
        Tags = input.Tags?.Select(t => InputText.Clean(t)!).ToList(),
    };

    /// <inheritdoc cref="Clean(ArticleInput)"/>
    public static CorrectionInput Clean(CorrectionInput input) => input with
    {
        Title = InputText.Clean(input.Title),
        Lead = InputText.Clean(input.Lead, multiline: true),
        Body = InputText.Clean(input.Body, multiline: true),
        ImageCredit = InputText.Clean(input.ImageCredit),
        ImageAlt = InputText.Clean(input.ImageAlt),
        SourceName = InputText.Clean(input.SourceName),
        Note = InputText.Clean(input.Note, multiline: true),
    };

    /// <summary>
    /// Checks a new article or what an autosave sends. A <paramref name="draft"/> may be unfinished (no title, a photo not
    /// described yet): what it lacks is said when it is submitted or published.
    /// </summary>
    public static Dictionary<string, string[]> Validate(ArticleInput input, DateTime now, bool draft = false)
    {
        var errors = Content(input.Title, titleRequired: !draft, input.Lead, input.Body, input.ImageUrl, input.ImageCredit, input.SourceName, input.SourceUrl);
        Text(errors, "byline", input.Byline, 200);
        if (input.Tags is { } tags && (tags.Count > 20 || tags.Any(t => t is null || t.Length > 50)))
        {
            errors["tags"] = ["At most 20 tags of up to 50 characters."];
        }
        if (input.Language is { } language && !FeedDays.Languages.Contains(language))
        {
            errors["language"] = ["language is kk, ru or en."];
        }
        Photo(errors, input.ImageId, input.ImageUrl, input.ImageAlt, input.ImageCredit, creditKept: false, unfinished: draft);
        if (input.PublishAt is { } at && input.Draft == true)
        {
            errors["publishAt"] = ["A draft has no publishing time; leave out draft or publishAt."];
        }
        return errors;
    }

    /// <summary>Checks a correction; <paramref name="creditKept"/>: the article already has a photo credit, which a new photo may keep.</summary>
    public static Dictionary<string, string[]> Validate(CorrectionInput input, bool creditKept = false)
    {
        var errors = Content(input.Title, titleRequired: false, input.Lead, input.Body, input.ImageUrl, input.ImageCredit, input.SourceName, input.SourceUrl);
        Text(errors, "note", input.Note, 300, required: true);
        Photo(errors, input.ImageId, input.ImageUrl, input.ImageAlt, input.ImageCredit, creditKept: creditKept, unfinished: false);
        return errors;
    }

    /// <summary>The fields a new article and a correction share, with the same bounds.</summary>
    private static Dictionary<string, string[]> Content(string? title, bool titleRequired, string? lead, string? body,
        string? imageUrl, string? imageCredit, string? sourceName, string? sourceUrl)
    {
        var errors = new Dictionary<string, string[]>();
        Text(errors, "title", title, 300, titleRequired);
        Text(errors, "lead", lead, 1_000);
        // The raw body is bounded loosely here; what is stored is bounded after cleaning (CheckCleanBody), since cleaning
        // can lengthen it (escaped characters). Deep nesting is refused first: cleaning time grows with its square.
        Text(errors, "body", body, 2 * MaxBodyCharacters);
        if (body is not null && !errors.ContainsKey("body") && NestingDepth(body) > MaxNesting)
        {
            errors["body"] = [$"body nests elements more than {MaxNesting} deep; an article needs far fewer levels."];
        }
        Url(errors, "imageUrl", imageUrl, sitePathAllowed: true);
        Text(errors, "imageCredit", imageCredit, 200);
        Text(errors, "sourceName", sourceName, 200);
        Url(errors, "sourceUrl", sourceUrl);
        return errors;
    }

    /// <summary>
    /// An uploaded main photo needs what a reader and a screen reader need: alt text saying what it shows, and a credit
    /// (or one already on the article); it replaces an address given by hand, so not both at once.
    /// </summary>
    private static void Photo(Dictionary<string, string[]> errors, string? imageId, string? imageUrl, string? alt, string? credit, bool creditKept, bool unfinished)
    {
        if (imageId is null)
        {
            Text(errors, "imageAlt", alt, 300);
            return;
        }
        if (!string.IsNullOrWhiteSpace(imageUrl))
        {
            errors["imageUrl"] = ["Give the main photo either as an uploaded photo (imageId) or by address (imageUrl), not both."];
        }
        if (unfinished)
        {
            Text(errors, "imageAlt", alt, 300);
            Text(errors, "imageCredit", credit, 200);
            return;
        }
        Text(errors, "imageAlt", alt, 300, required: true);
        if (errors.ContainsKey("imageAlt"))
        {
            errors["imageAlt"] = ["imageAlt is required with a photo: say in a sentence what it shows (1 to 300 characters), for readers who cannot see it."];
        }
        if (!creditKept && string.IsNullOrWhiteSpace(credit))
        {
            errors["imageCredit"] = ["imageCredit is required with a photo: who took it or where it is from (e.g. \"Photo: polisia.kz\")."];
        }
    }

    /// <summary>Images in a body (as cleaned) each say what they show.</summary>
    public static void CheckBodyImages(Dictionary<string, string[]> errors, string? cleanBody)
    {
        if (cleanBody is null || errors.ContainsKey("body"))
        {
            return;
        }
        if (BodyImagesWithoutAlt(cleanBody) is > 0 and var bare)
        {
            errors["body"] = [$"{bare} image(s) in the body have no alt text: say what each shows, for readers who cannot see it."];
        }
    }

    /// <summary>How many images in a (cleaned) body have no alt text.</summary>
    public static int BodyImagesWithoutAlt(string body) => !body.Contains("<img", StringComparison.OrdinalIgnoreCase) ? 0
        : new AngleSharp.Html.Parser.HtmlParser().ParseDocument("<body>" + body).QuerySelectorAll("img").Count(i => string.IsNullOrWhiteSpace(i.GetAttribute("alt")));

    private static void Text(Dictionary<string, string[]> errors, string field, string? value, int max, bool required = false)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"{field} is required (1 to {max} characters)."];
        }
        else if (value is not null && value.Length > max)
        {
            errors[field] = [$"{field} is at most {max} characters."];
        }
    }

    /// <summary>An absolute http(s) URL; photos may also be a path on this site ("/img/…"), served by it.</summary>
    private static void Url(Dictionary<string, string[]> errors, string field, string? value, bool sitePathAllowed = false)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }
        if (InputText.FirstUnclean(value) is { } character)
        {
            errors[field] = [$"{field} holds a control character ({character}), which no link has: copy the address again from the browser's address bar."];
            return;
        }
        var absolute = Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
        var sitePath = sitePathAllowed && value.StartsWith('/') && !value.StartsWith("//", StringComparison.Ordinal)
            && !value.Contains('\\') && Uri.IsWellFormedUriString(value, UriKind.Relative);
        if (!absolute && !sitePath)
        {
            errors[field] = [sitePathAllowed
                ? $"{field} must be an absolute http(s) URL or a path on this site starting with '/'."
                : $"{field} must be an absolute http(s) URL."];
        }
    }
}
