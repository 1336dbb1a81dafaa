using BenchmarkDotNet.Running;

// dotnet run -c Release --project load-tests/LivePoll.Benchmarks -- --filter '*'
if (args is ["parts"])
{
    Parts.Run();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(PhotoBenchmarks).Assembly).Run(args);
