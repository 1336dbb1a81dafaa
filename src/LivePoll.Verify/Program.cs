namespace LivePoll.Verify;

internal static class Program
{
    /// <summary><c>dotnet run --project src/LivePoll.Verify -- https://news.example.kz 42</c>: exit 0 verified, 1 a discrepancy, 2 could not verify.</summary>
    private static async Task<int> Main(string[] args)
    {
        if (args.Length != 2 || !Uri.TryCreate(args[0], UriKind.Absolute, out var site) || site.Scheme is not ("http" or "https"))
        {
            await Console.Error.WriteLineAsync("usage: LivePoll.Verify SITE POLL_ID   e.g. LivePoll.Verify https://news.example.kz 42");
            return TallyVerifier.CouldNotVerify;
        }
        using var http = new HttpClient { BaseAddress = site, Timeout = TimeSpan.FromSeconds(30) };
        var verdict = await new TallyVerifier(http, Console.Out).VerifyAsync(args[1]);
        return verdict.ExitCode;
    }
}
