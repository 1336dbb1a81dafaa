using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// A page's HTML read as a browser reads it (AngleSharp's HTML5 parser), so tests ask what a tag says rather than how
/// the renderer happened to spell it (quotes, entities, self-closing slashes).
/// </summary>
public sealed class HtmlPage(string html)
{
    public IHtmlDocument Document { get; } = new HtmlParser().ParseDocument(html);

    public string Html => html;

    /// <summary>The content of <c>&lt;meta property=…&gt;</c> (OpenGraph) or, failing that, <c>&lt;meta name=…&gt;</c>.</summary>
    public string? Meta(string key) =>
        (Document.QuerySelector($"meta[property='{key}']") ?? Document.QuerySelector($"meta[name='{key}']"))?.GetAttribute("content");

    public IReadOnlyList<string> MetaAll(string property) =>
        [.. Document.QuerySelectorAll($"meta[property='{property}']").Select(m => m.GetAttribute("content") ?? "")];

    /// <summary>The href of the first <c>&lt;link rel=…&gt;</c> (of a type, where given).</summary>
    public string? Link(string rel, string? type = null) =>
        Document.QuerySelectorAll($"link[rel='{rel}']").FirstOrDefault(l => type is null || l.GetAttribute("type") == type)?.GetAttribute("href");

    public string Title => Document.Title ?? "";

    public IElement? Find(string selector) => Document.QuerySelector(selector);

    public IReadOnlyList<IElement> FindAll(string selector) => [.. Document.QuerySelectorAll(selector)];

    /// <summary>Every element with an attribute whose name starts with "on" (an event handler): a page of ours has none.</summary>
    public IReadOnlyList<string> EventHandlers() =>
        [.. Document.All.SelectMany(e => e.Attributes.Where(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)).Select(a => $"{e.LocalName} {a.Name}"))];
}
