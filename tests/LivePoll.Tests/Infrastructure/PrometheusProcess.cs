using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace LivePoll.Tests.Infrastructure;

/// <summary>
/// Debian's Prometheus on a free loopback port, scraping given targets every second as job <c>livepoll</c> and
/// evaluating given rule files every second, with its data in a temporary folder. Killed and cleaned up on dispose.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusProcess(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Output => _process.Output;

    public static async Task<PrometheusProcess> StartAsync(IEnumerable<string> targets, IEnumerable<string> ruleFiles)
    {
        var directory = Directory.CreateTempSubdirectory("livepoll-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
            {string.Concat(ruleFiles.Select(f => $"  - {f}\n"))}
            scrape_configs:
              - job_name: livepoll
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"\"{t}\""))}]
            """);
        var port = LivePoll.Server.Storage.EmbeddedGarnet.FreeLoopbackPort();
        var process = ChildProcess.Start(ChildProcess.FindTool("prometheus", "prometheus"),
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--log.level=warn",
        ], workingDirectory: directory);
        var prometheus = new PrometheusProcess(process, directory, port);
        try
        {
            await TimeoutExtensions.WaitUntilAsync(async () =>
            {
                process.EnsureRunning("prometheus");
                try
                {
                    using var ready = await prometheus._http.GetAsync("-/ready");
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "prometheus is ready", TimeSpan.FromSeconds(30));
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }
        return prometheus;
    }

    /// <summary>The result vector of an instant query (empty when the query has no data); throws on a query error.</summary>
    public async Task<IReadOnlyList<JsonElement>> QueryAsync(string promql)
    {
        using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql)).DefaultTimeout();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused the query {promql}: {body}");
        }
        var data = body.GetProperty("data");
        return data.GetProperty("resultType").GetString() == "vector" ? [.. data.GetProperty("result").EnumerateArray()] : [data.GetProperty("result")];
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
