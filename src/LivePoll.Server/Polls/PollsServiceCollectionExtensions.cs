using Microsoft.Extensions.Options;

namespace LivePoll.Server.Polls;

internal static class PollsServiceCollectionExtensions
{
    /// <summary>Polls: the store, voter ids, the coalescing broadcaster, the scheduler and the demo poll.</summary>
    public static IServiceCollection AddPolls(this IServiceCollection services)
    {
        services.AddOptions<PollOptions>().BindConfiguration(PollOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<VoterOptions>().BindConfiguration(VoterOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.SigningKey) || IsKey(o.SigningKey),
                "Voters:SigningKey must be base64 of at least 32 bytes (e.g. the output of: openssl rand -base64 32), or empty.")
            .Validate(o => o.CookieDays is >= 1 and <= 3650, "Voters:CookieDays must be 1 to 3650.")
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<PollStore>();
        services.AddSingleton<VoteBatcher>();
        services.AddSingleton<PollVoting>();
        services.AddSingleton<VoterKeys>();
        services.AddSingleton<VoteReceipts>();
        services.AddSingleton<VoterTokens>();
        services.AddSingleton<VoterChallenges>();
        services.AddSingleton<VoteOrigins>();
        services.AddSingleton<PollIntegrityReport>();
        services.AddSingleton<PollBroadcaster>();
        // First: a poll a crash left half-counted is repaired before anything reads or sends it.
        services.AddHostedService<PollRepair>();
        services.AddHostedService(sp => sp.GetRequiredService<PollBroadcaster>());
        services.AddHostedService<PollScheduler>();
        services.AddHostedService<PollDemoData>();
        return services;
    }

    /// <summary>Resolves the voter of poll, quiz score, tip and hub requests, giving browsers a signed cookie (tips are limited per voter too).</summary>
    public static IApplicationBuilder UseVoters(this IApplicationBuilder app) =>
        app.UseWhen(
            c => c.Request.Path.StartsWithSegments("/api/polls") || c.Request.Path.StartsWithSegments("/api/quizzes")
                || c.Request.Path.StartsWithSegments("/api/tips")
                || c.Request.Path.StartsWithSegments(Contracts.HubPaths.Live),
            branch => branch.UseMiddleware<VoterMiddleware>());

    private static bool IsKey(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var length) && length >= 32;
    }
}
