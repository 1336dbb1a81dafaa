using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Feed;

/// <summary>Turns stored articles and events into what readers receive: sequence, permalink, share links.</summary>
public sealed class ArticleViews(IOptions<NewsroomOptions> options)
{
    /// <summary>
    /// The reader's view of an article: sequence, permalink and share links added; with <paramref name="newsroom"/>, also
    /// what only the newsroom sees (<see cref="ArticleDesk"/>: author, who changed and published it, a return note).
    /// </summary>
    public ArticleView View(Article article, long sequence, bool newsroom = false)
    {
        var url = $"{options.Value.PublicBaseUrl.TrimEnd('/')}/articles/{article.Id}";
        var encodedUrl = Uri.EscapeDataString(url);
        var encodedTitle = Uri.EscapeDataString(article.Title);
        return new ArticleView
        {
            Id = article.Id,
            Sequence = sequence,
            State = article.State,
            Title = article.Title,
            Lead = article.Lead,
            Body = article.State == ArticleState.Retracted ? "" : article.Body,
            ImageUrl = article.ImageUrl,
            ImageCredit = article.ImageCredit,
            Image = article.Image,
            Byline = article.ShownByline,
            Desk = newsroom ? new ArticleDesk
            {
                Author = article.Author, AuthorName = article.AuthorName, UpdatedBy = article.UpdatedBy, PublishedBy = article.PublishedBy,
                ReturnNote = article.ReturnNote, ReturnedBy = article.ReturnedBy, Byline = article.Byline, BylineHidden = article.BylineHidden,
            } : null,
            SourceName = article.SourceName,
            SourceUrl = article.SourceUrl,
            Tags = article.Tags,
            PollIds = article.PollIds,
            Language = article.Language,
            Pinned = article.Pinned,
            KeyEvent = article.KeyEvent,
            PublishedAt = article.PublishedAt,
            PublishAt = article.PublishAt,
            UpdatedAt = article.UpdatedAt,
            Version = article.Version,
            CorrectionNote = article.Corrections.Count > 0 ? article.Corrections[^1].Note : null,
            Corrections = article.Corrections.Any(c => c.By is not null) ? article.Corrections.Select(c => c with { By = null }).ToList() : article.Corrections,
            TipCredit = article.TipCredit,
            Url = url,
            Share = new Dictionary<string, string>
            {
                ["facebook"] = $"https://www.facebook.com/sharer/sharer.php?u={encodedUrl}",
                ["x"] = $"https://x.com/intent/post?url={encodedUrl}&text={encodedTitle}",
                ["telegram"] = $"https://t.me/share/url?url={encodedUrl}&text={encodedTitle}",
                ["whatsapp"] = $"https://wa.me/?text={encodedTitle}%20{encodedUrl}",
                ["vk"] = $"https://vk.com/share.php?url={encodedUrl}&title={encodedTitle}",
                ["email"] = $"mailto:?subject={encodedTitle}&body={encodedUrl}",
            },
        };
    }

    /// <summary>A stored event as readers receive it.</summary>
    public FeedEvent View(StoredFeedEvent stored, long sequence) => new()
    {
        Sequence = sequence,
        Kind = stored.Kind,
        At = stored.At,
        Article = View(stored.Article, stored.Kind == FeedEventKind.Published ? sequence : stored.ArticleSequence),
    };

}
