using MessagePack;

namespace LivePoll.Contracts;

/// <summary>A reader's news tip ("Жаңалықтар ұсыныңыз").</summary>
public sealed record TipInput
{
    /// <summary>Required, 1 to 5,000 characters.</summary>
    public string? Text { get; init; }

    /// <summary>Optional, up to 100 characters.</summary>
    public string? Name { get; init; }

    /// <summary>Optional phone or e-mail, up to 200 characters; never shown to readers.</summary>
    public string? Contact { get; init; }

    /// <summary>Optional absolute http(s) link.</summary>
    public string? Link { get; init; }

    /// <summary>Whether the tipster agrees to be credited by name if the tip becomes an article.</summary>
    public bool? CreditConsent { get; init; }
}

/// <summary>What a reader gets back for a tip.</summary>
public sealed record TipReceipt
{
    public required string Id { get; init; }

    public required string Message { get; init; }
}

/// <summary>A tip as the newsroom sees it; live event <see cref="ClientEvents.TipReceived"/> (newsroom connections only).</summary>
[MessagePackObject]
public sealed record Tip
{
    [Key("id")] public required string Id { get; init; }

    [Key("text")] public required string Text { get; init; }

    [Key("name")] public string? Name { get; init; }

    [Key("contact")] public string? Contact { get; init; }

    [Key("link")] public string? Link { get; init; }

    [Key("creditConsent")] public required bool CreditConsent { get; init; }

    [Key("receivedAt")] public required DateTime ReceivedAt { get; init; }

    [Key("handled")] public required bool Handled { get; init; }

    /// <summary>The draft article an editor made of it, if any.</summary>
    [Key("articleId")] public string? ArticleId { get; init; }
}
