using LivePoll.Contracts;

namespace LivePoll.Server.Pages;

/// <summary>
/// An article as its server-rendered permalink shows it: the article, its photo's public address, and its times in the
/// newsroom's time zone, in the words of its language (the page's script speaks every language once it runs).
/// </summary>
public sealed record ArticleModel(ArticleView Article, string? ImageUrl, DateTime PublishedLocal, IReadOnlyList<DateTime> CorrectionsLocal)
{
    public const string TimeFormat = "dd.MM.yyyy HH:mm";

    /// <summary>
    /// How wide the main photo is shown: the whole width on a phone, the article column (at most 720 px) elsewhere. Phones
    /// (<see cref="PhoneMedia"/>) choose among renditions of at most <see cref="PhoneWidth"/> pixels: a 3x phone screen asks for
    /// 1,170 pixels and would take the 1,600 one, three times the bytes for a difference nobody sees on it.
    /// </summary>
    public const string PhotoSizes = "(max-width: 720px) 100vw, 720px";

    public const string PhoneMedia = "(max-width: 720px)";

    public const int PhoneWidth = 960;

    /// <summary>The entries of an srcset ("/media/a.jpg 480w, …") no wider than <paramref name="width"/>.</summary>
    public static string UpTo(string srcset, int width) => string.Join(", ", srcset.Split(", ")
        .Where(entry => int.TryParse(entry[(entry.LastIndexOf(' ') + 1)..].TrimEnd('w'), out var w) && w <= width));

    public string CorrectionWord => Texts.TextCatalog.Get(Article.Language, "correction");

    public string RetractedNote => Texts.TextCatalog.Get(Article.Language, "retracted");
}
