using Spectre.Console.Cli;

namespace LivePoll.LoadTests;

/// <summary>The load tool's command line: surge, feed and soak.</summary>
internal static class LoadTool
{
    public static async Task<int> Main(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("livepoll-load");
            if (Environment.GetEnvironmentVariable("LIVEPOLL_LOAD_DEBUG") == "1")
            {
                config.PropagateExceptions();
            }
            config.AddCommand<SurgeCommand>("surge")
                .WithDescription("Readers subscribed to a poll while voters vote at a target rate (open model); checks every acknowledged vote is counted once.")
                .WithExample("surge", "--target-url", "http://127.0.0.1:5080", "--api-key", "lpk_…", "--readers", "1000", "--voters", "50000", "--rate", "5000", "--hold", "60");
            config.AddCommand<FeedCommand>("feed")
                .WithDescription("Readers on the live feed while articles are published; checks every reader gets every article exactly once.")
                .WithExample("feed", "--target-url", "http://127.0.0.1:5080", "--api-key", "lpk_…", "--readers", "1000", "--articles", "100");
            config.AddCommand<MergeCommand>("merge")
                .WithDescription("Merges the reports of the shards of one surge (run with --shard K/N on several machines) into one report and verdict.")
                .WithExample("merge", "shard-1", "shard-2", "--target-url", "http://127.0.0.1:5080", "--api-key", "lpk_…");
            config.AddCommand<CompareCommand>("compare")
                .WithDescription("Two runs' reports side by side, each series with its change; --fail-on makes a regression beyond a tolerance exit with 3.")
                .WithExample("compare", "load-tests/reports/base", "load-tests/reports/new", "--fail-on", "cpu_per_vote +15%", "--fail-on", "vote_to_reader.p99 +25%");
            config.AddCommand<PlanCommand>("plan")
                .WithDescription("The nodes, cores and store shards a peak needs, from the unit costs runs measured, with the arithmetic written out.")
                .WithExample("plan", "--readers", "1000000", "--votes-per-second", "50000", "--articles-per-minute", "30", "--from", "load-tests/reports/surge-votes", "--from", "load-tests/reports/surge-fanout");
            config.AddCommand<SoakCommand>("soak")
                .WithDescription("A steady mix for a long time with reader churn and server memory samples.")
                .WithExample("soak", "--target-url", "http://127.0.0.1:5080", "--api-key", "lpk_…", "--duration", "600");
        });
        // A refused command line or scenario file (Spectre answers -1) is a run that could not go ahead.
        var exitCode = await app.RunAsync(args);
        return exitCode < 0 ? ExitCodes.CouldNotRun : exitCode;
    }
}
