using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.ScaleOut;

/// <summary>docker-compose.yml runs the same parts the scale-out tests start as processes, with the same nginx.conf.</summary>
public sealed class DeploymentFilesTests
{
    private static readonly string Root = NginxProcess.RepositoryRoot();

    [Fact]
    public void Compose_runs_redis_with_aof_two_nodes_and_nginx_with_the_tested_configuration()
    {
        var compose = File.ReadAllLines(Path.Combine(Root, "docker-compose.yml"));
        var services = compose.SkipWhile(l => l != "services:").Skip(1).TakeWhile(l => l.Length == 0 || l.StartsWith(' '))
            .Where(l => l.Length > 2 && l[2] != ' ' && l.TrimEnd().EndsWith(':')).Select(l => l.Trim().TrimEnd(':')).ToList();
        Assert.Equal(["redis", "node1", "node2", "nginx"], services);

        var text = string.Join('\n', compose);
        Assert.Contains("\"--appendonly\", \"yes\"", text);
        Assert.Contains("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro", text);
        Assert.Contains("Redis__Configuration: redis:6379", text);

        var nginx = File.ReadAllText(Path.Combine(Root, "deploy", "nginx.conf"));
        Assert.Contains("server node1:8080", nginx);
        Assert.Contains("server node2:8080", nginx);
        Assert.Contains("proxy_set_header Upgrade $http_upgrade;", nginx);
        Assert.Contains("listen 80;", nginx);
    }

    [Fact]
    public void The_image_builds_the_server_and_probes_its_readiness()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        Assert.Contains("dotnet publish src/LivePoll.Server", dockerfile);
        Assert.Contains("--probe", dockerfile);
    }
}
