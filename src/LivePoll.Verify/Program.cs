using LivePoll.Verify;

// dotnet run --project src/LivePoll.Verify -- https://news.example.kz 42
if (args.Length != 2 || !Uri.TryCreate(args[0], UriKind.Absolute, out var site) || site.Scheme is not ("http" or "https"))
{
    Console.Error.WriteLine("usage: LivePoll.Verify SITE POLL_ID   e.g. LivePoll.Verify https://news.example.kz 42");
    return TallyVerifier.CouldNotVerify;
}
using var http = new HttpClient { BaseAddress = site, Timeout = TimeSpan.FromSeconds(30) };
var verdict = await new TallyVerifier(http, Console.Out).VerifyAsync(args[1]);
return verdict.ExitCode;
