using Microsoft.Playwright;

namespace LivePoll.BrowserTests;

/// <summary>
/// The browser side of one test: opens contexts (each its own reader or newsroom member) on a server, records
/// uncaught script errors of every page, saves screenshots as test artifacts and closes everything it opened.
/// </summary>
public sealed class PageSession(IBrowser browser, Uri baseAddress, string testName) : IAsyncDisposable
{
    /// <summary>TestResults/screenshots under the repository root: CI keeps the folder as the run's artifacts.</summary>
    public static readonly string ScreenshotDirectory = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<string> _scriptErrors = [];

    public Uri BaseAddress { get; set; } = baseAddress;

    /// <summary>A new browser context (own cookies) with one page at <paramref name="path"/>.</summary>
    /// <param name="configure">Runs on the page before it navigates (listen to its requests, emulate a network).</param>
    public Task<IPage> OpenAsync(string path, Action<IPage> configure) => OpenAsync(path, configure: page =>
    {
        configure(page);
        return Task.CompletedTask;
    });

    /// <summary>The newsroom's time zone as the test servers run (Newsroom:TimeZone's default); the browsers read in it too.</summary>
    public const string NewsroomTimeZone = "Asia/Almaty";

    public async Task<IPage> OpenAsync(string path, int width = 1366, int height = 900, bool phone = false, float scale = 1,
        Func<IPage, Task>? configure = null)
    {
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new() { Width = width, Height = height },
            DeviceScaleFactor = scale,
            IsMobile = phone,
            HasTouch = phone,
            Locale = "kk-KZ",
            TimezoneId = NewsroomTimeZone,
        });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => { lock (_scriptErrors) { _scriptErrors.Add($"{page.Url}: {error}"); } };
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        if (configure is not null)
        {
            await configure(page);
        }
        await page.GotoAsync(path);
        return page;
    }

    /// <summary>Waits until the page's connection indicator says it is live on the hub.</summary>
    public static Task WaitLiveAsync(IPage page) =>
        Assertions.Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "live");

    /// <param name="fullPage">The whole page (scrolled), or only what the window shows (as a person sees it: sticky parts in place).</param>
    public async Task ScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        // Let bar and number animations settle so the picture shows the final state.
        await page.WaitForTimeoutAsync(900);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, $"{testName}.{name}.png"), FullPage = fullPage });
    }

    /// <summary>No page threw an uncaught error.</summary>
    public void AssertNoScriptErrors()
    {
        lock (_scriptErrors)
        {
            Assert.True(_scriptErrors.Count == 0, "Script errors:\n" + string.Join("\n", _scriptErrors));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LivePoll.sln")))
            {
                return directory.FullName;
            }
        }
        return AppContext.BaseDirectory;
    }
}
