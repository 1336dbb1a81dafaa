using LivePoll.Contracts;

namespace LivePoll.Server.Pages;

/// <summary>
/// An article as its server-rendered permalink shows it: the article, its photo's public address, and its times in the
/// newsroom's time zone, in the words of its language (the page's script speaks every language once it runs).
/// </summary>
public sealed record ArticleModel(ArticleView Article, string? ImageUrl, DateTime PublishedLocal, IReadOnlyList<DateTime> CorrectionsLocal)
{
    public const string TimeFormat = "dd.MM.yyyy HH:mm";

    public string CorrectionWord => Article.Language switch { "ru" => "Исправление", "en" => "Correction", _ => "Түзету" };

    public string RetractedNote => Article.Language switch
    {
        "ru" => "Материал снят редакцией.",
        "en" => "This article was retracted.",
        _ => "Мақаланы редакция алып тастады.",
    };
}
