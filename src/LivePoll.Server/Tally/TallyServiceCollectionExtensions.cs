namespace LivePoll.Server.Tally;

internal static class TallyServiceCollectionExtensions
{
    /// <summary>The verifiable tally: every poll's Merkle log of counted answers, its writer and the head signer.</summary>
    public static IServiceCollection AddTally(this IServiceCollection services)
    {
        services.AddOptions<TallyOptions>().BindConfiguration(TallyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TallyLog>();
        services.AddSingleton<TallySigner>();
        services.AddSingleton<TallyLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<TallyLogWriter>());
        return services;
    }
}
