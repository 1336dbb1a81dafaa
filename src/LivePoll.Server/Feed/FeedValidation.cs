using LivePoll.Contracts;

namespace LivePoll.Server.Feed;

/// <summary>Checks of newsroom input about articles, with messages an editor can act on.</summary>
internal static class FeedValidation
{
    public static Dictionary<string, string[]> Validate(ArticleInput input, DateTime now)
    {
        var errors = Content(input.Title, titleRequired: true, input.Lead, input.Body, input.ImageUrl, input.ImageCredit, input.SourceName, input.SourceUrl);
        if (input.Tags is { } tags && (tags.Count > 20 || tags.Any(t => t is null || t.Length > 50)))
        {
            errors["tags"] = ["At most 20 tags of up to 50 characters."];
        }
        if (input.Language is { } language && !FeedDays.Languages.Contains(language))
        {
            errors["language"] = ["language is kk, ru or en."];
        }
        if (input.PublishAt is { } at && input.Draft == true)
        {
            errors["publishAt"] = ["A draft has no publishing time; leave out draft or publishAt."];
        }
        return errors;
    }

    public static Dictionary<string, string[]> Validate(CorrectionInput input)
    {
        var errors = Content(input.Title, titleRequired: false, input.Lead, input.Body, input.ImageUrl, input.ImageCredit, input.SourceName, input.SourceUrl);
        Text(errors, "note", input.Note, 300, required: true);
        return errors;
    }

    /// <summary>The fields a new article and a correction share, with the same bounds.</summary>
    private static Dictionary<string, string[]> Content(string? title, bool titleRequired, string? lead, string? body,
        string? imageUrl, string? imageCredit, string? sourceName, string? sourceUrl)
    {
        var errors = new Dictionary<string, string[]>();
        Text(errors, "title", title, 300, titleRequired);
        Text(errors, "lead", lead, 1_000);
        Text(errors, "body", body, 100_000);
        Url(errors, "imageUrl", imageUrl, sitePathAllowed: true);
        Text(errors, "imageCredit", imageCredit, 200);
        Text(errors, "sourceName", sourceName, 200);
        Url(errors, "sourceUrl", sourceUrl);
        return errors;
    }

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
