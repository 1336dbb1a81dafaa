using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace LivePoll.Server.Pages;

/// <summary>
/// Renders the server-side pages (Razor components in this folder) to HTML: the markup is the template and every value
/// is encoded by the renderer. Letters of every language stay letters (Kazakh and Russian are not turned into
/// character references); what HTML needs escaped (&lt; &gt; &amp; quotes) is.
/// </summary>
internal sealed class PageRenderer : IAsyncDisposable
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly HtmlRenderer _renderer;

    public PageRenderer(IServiceProvider services, ILoggerFactory logs) =>
        _renderer = new HtmlRenderer(new WithEncoder(services), logs);

    /// <summary>The HTML of <typeparamref name="TComponent"/> with <paramref name="parameters"/>.</summary>
    public Task<string> RenderAsync<TComponent>(IDictionary<string, object?> parameters) where TComponent : IComponent =>
        _renderer.Dispatcher.InvokeAsync(async () =>
            (await _renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString());

    public ValueTask DisposeAsync() => _renderer.DisposeAsync();

    /// <summary>The application's services, with the encoder above for HTML.</summary>
    private sealed class WithEncoder(IServiceProvider services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(HtmlEncoder) ? Encoder : services.GetService(serviceType);
    }
}
