namespace LivePoll.Server.Newsroom;

/// <summary>Command-line helpers of the server that print something (a hash, a key, the vote script) instead of starting it.</summary>
internal static class NewsroomCommands
{
    public static bool TryRun(string[] args)
    {
        switch (args)
        {
            case ["--probe", var url]:
                // A health probe for containers whose image has no curl: exit 0 when the URL answers 2xx.
                using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
                {
                    try
                    {
                        using var response = http.GetAsync(url).GetAwaiter().GetResult();
                        Environment.ExitCode = response.IsSuccessStatusCode ? 0 : 1;
                        Console.WriteLine($"{(int)response.StatusCode} {url}");
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        Environment.ExitCode = 1;
                        Console.WriteLine($"{url}: {ex.Message}");
                    }
                }
                return true;
            case ["--print-vote-script"]:
                // The exact Lua the server runs per batch of votes, so benchmarks can run it against raw Redis.
                Console.Write(Polls.PollScripts.VoteBatch);
                return true;
            case ["--hash-password", var password]:
                Console.WriteLine(Passwords.Hash(password));
                return true;
            case ["--hash-key", var key]:
                Console.WriteLine(ApiKeyAuthenticationHandler.HashKey(key));
                return true;
            case ["--new-key", ..]:
                var newKey = ApiKeyAuthenticationHandler.NewKey();
                Console.WriteLine($"key:  {newKey}");
                Console.WriteLine($"hash: {ApiKeyAuthenticationHandler.HashKey(newKey)}");
                Console.WriteLine("Give the key to the client; configure only the hash, e.g.");
                Console.WriteLine($"  Newsroom__ApiKeys__0__Name=cms Newsroom__ApiKeys__0__Role=editor Newsroom__ApiKeys__0__KeyHash={ApiKeyAuthenticationHandler.HashKey(newKey)}");
                return true;
            default:
                return false;
        }
    }
}
