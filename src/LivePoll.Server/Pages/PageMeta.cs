namespace LivePoll.Server.Pages;

/// <summary>
/// What a server-rendered page says about itself in its head (title, description, canonical address, OpenGraph and
/// Twitter card tags, oEmbed discovery, structured data): one model, one head (<see cref="PageHead"/>) for the home,
/// article and poll pages.
/// </summary>
public sealed record PageMeta
{
    /// <summary>The page's own title, without the site's name (the head adds " — LivePoll" where the page is not the home page).</summary>
    public required string Title { get; init; }

    public required string Description { get; init; }

    /// <summary>The page's public address (canonical, og:url).</summary>
    public required string Url { get; init; }

    /// <summary>The language of the page: kk, ru or en.</summary>
    public string Language { get; init; } = "kk";

    /// <summary>og:type: website, or article.</summary>
    public string Type { get; init; } = "website";

    /// <summary>Whether the title is the site's own (the home page): then it stands alone.</summary>
    public bool IsHome { get; init; }

    public string? Image { get; init; }

    public string? ImageType { get; init; }

    public int? ImageWidth { get; init; }

    public int? ImageHeight { get; init; }

    public string? ImageAlt { get; init; }

    /// <summary>More OpenGraph properties, e.g. article:published_time and article:tag, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; init; } = [];

    /// <summary>Where the oEmbed discovery link points (the page's address is passed to /oembed); null: no link.</summary>
    public string? OEmbedSite { get; init; }

    /// <summary>Structured data (schema.org) as a JSON object, and the id of its script element; null: none.</summary>
    public object? StructuredData { get; init; }

    public string StructuredDataId { get; init; } = "structured-data";

    /// <summary>A page for an address that has nothing: search engines are told not to keep it.</summary>
    public bool NoIndex { get; init; }

    public string FullTitle => IsHome ? Title : $"{Title} — LivePoll";

    public string Locale => Language switch { "ru" => "ru_RU", "en" => "en_US", _ => "kk_KZ" };
}
