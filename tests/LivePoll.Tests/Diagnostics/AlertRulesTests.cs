using System.Text.Json;
using System.Text.RegularExpressions;
using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.Diagnostics;

/// <summary>
/// deploy/prometheus/alerts.yml is valid, and Debian's promtool runs its unit tests (alerts.test.yml), which cover
/// every alert; the Grafana dashboard is valid JSON whose panels all query Prometheus.
/// </summary>
public sealed partial class AlertRulesTests
{
    private static readonly string Root = NginxProcess.RepositoryRoot();

    [Fact]
    public async Task Promtool_accepts_the_rules_and_their_unit_tests_pass()
    {
        var folder = Path.Combine(Root, "deploy", "prometheus");
        var (checkCode, check) = await PromtoolAsync(folder, "check", "rules", "alerts.yml");
        Assert.True(checkCode == 0, check);
        var (testCode, test) = await PromtoolAsync(folder, "test", "rules", "alerts.test.yml");
        Assert.True(testCode == 0, test);
        Assert.Contains("SUCCESS", test);
    }

    [Fact]
    public void Every_alert_has_a_unit_test()
    {
        var alerts = AlertNames(File.ReadAllText(Path.Combine(Root, "deploy", "prometheus", "alerts.yml")));
        var tested = TestedAlerts(File.ReadAllText(Path.Combine(Root, "deploy", "prometheus", "alerts.test.yml")));
        Assert.NotEmpty(alerts);
        Assert.Empty(alerts.Except(tested));
    }

    [Fact]
    public void The_dashboard_is_json_whose_panels_query_prometheus()
    {
        var queries = DashboardQueries();
        Assert.True(queries.Count >= 12, $"only {queries.Count} queries");
        Assert.All(queries, q => Assert.False(string.IsNullOrWhiteSpace(q)));
    }

    /// <summary>Every PromQL query of deploy/grafana/dashboards/livepoll.json, one per panel target.</summary>
    public static IReadOnlyList<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "deploy", "grafana", "dashboards", "livepoll.json")));
        return [.. dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p =>
            {
                Assert.Equal("prometheus", p.GetProperty("datasource").GetProperty("type").GetString());
                return p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!);
            })];
    }

    public static IReadOnlyList<string> AlertNames(string rules) => [.. AlertLine().Matches(rules).Select(m => m.Groups[1].Value)];

    private static HashSet<string> TestedAlerts(string tests) => [.. AlertNameLine().Matches(tests).Select(m => m.Groups[1].Value)];

    private static async Task<(int Code, string Output)> PromtoolAsync(string folder, params string[] arguments)
    {
        await using var promtool = ChildProcess.Start(ChildProcess.FindTool("promtool", "prometheus"), arguments, workingDirectory: folder);
        await promtool.WaitForExitAsync().DefaultTimeout();
        return (promtool.ExitCode, promtool.Output);
    }

    [GeneratedRegex(@"^\s*- alert: (\w+)", RegexOptions.Multiline)]
    private static partial Regex AlertLine();

    [GeneratedRegex(@"^\s*alertname: (\w+)", RegexOptions.Multiline)]
    private static partial Regex AlertNameLine();
}
