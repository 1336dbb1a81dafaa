using Microsoft.Playwright;

namespace LivePoll.BrowserTests;

/// <summary>
/// Debian's headless Chromium driven by Playwright (no browser download: the machine has no internet). One browser
/// for the whole collection; each test opens its own contexts (separate cookie jars, i.e. separate readers).
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>Where Chromium is; LIVEPOLL_CHROMIUM overrides. test.sh installs Debian's chromium package.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("LIVEPOLL_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not at {ExecutablePath}. Run ./test.sh (it installs Debian's chromium package) or set LIVEPOLL_CHROMIUM.");
        }
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Without the background-networking flags Chromium keeps trying to reach Google on a closed network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ChromiumCollection : ICollectionFixture<Chromium>
{
    public const string Name = "Chromium";
}
