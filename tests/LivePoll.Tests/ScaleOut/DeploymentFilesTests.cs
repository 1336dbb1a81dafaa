using LivePoll.Tests.Infrastructure;

namespace LivePoll.Tests.ScaleOut;

/// <summary>
/// docker-compose.yml (and docker-compose.cluster.yml) run the same parts the scale-out (and cluster) tests start as
/// processes, with the same nginx.conf and ACL file.
/// </summary>
public sealed class DeploymentFilesTests
{
    private static readonly string Root = NginxProcess.RepositoryRoot();

    [Fact]
    public void Compose_runs_redis_with_aof_two_nodes_and_nginx_with_the_tested_configuration()
    {
        var compose = File.ReadAllLines(Path.Combine(Root, "docker-compose.yml"));
        Assert.Equal(["redis", "node1", "node2", "nginx", "prometheus", "grafana"], Services(compose));

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
    public void Cluster_compose_runs_six_redis_cluster_nodes_with_the_acl_file_and_nodes_that_wait_for_a_replica()
    {
        var text = File.ReadAllText(Path.Combine(Root, "docker-compose.cluster.yml"));
        var services = Services(File.ReadAllLines(Path.Combine(Root, "docker-compose.cluster.yml")));
        Assert.Equal(["redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6", "redis-cluster-create", "node1", "node2", "nginx"], services);
        Assert.Contains("--cluster-enabled yes", text);
        Assert.Contains("--cluster-replicas 1", text);
        Assert.Contains("--cluster-require-full-coverage no", text);
        Assert.Contains("./deploy/redis/users.acl:/etc/redis/users.acl.template:ro", text);
        Assert.Contains("user=livepoll,password=${REDIS_LIVEPOLL_PASSWORD}", text);
        Assert.Contains("Redis__AckAfterReplicas: \"1\"", text);
        // The ACL file's placeholders are what the compose file fills in.
        var acl = File.ReadAllText(Path.Combine(Root, "deploy", "redis", "users.acl"));
        Assert.Contains(">change-this-admin-password", acl);
        Assert.Contains(">change-this-livepoll-password", acl);
    }

    [Theory]
    [InlineData("docker-compose.yml")]
    [InlineData("docker-compose.cluster.yml")]
    public async Task Docker_compose_accepts_the_file(string file)
    {
        // Debian's docker-compose (test.sh installs it) checks the file against the Compose schema; no engine is needed.
        await using var compose = ChildProcess.Start("docker-compose", ["-f", Path.Combine(Root, file), "config", "-q"],
            new Dictionary<string, string>
            {
                ["LIVEPOLL_EDITOR_KEY_HASH"] = "0123",
                ["REDIS_ADMIN_PASSWORD"] = "admin-password",
                ["REDIS_LIVEPOLL_PASSWORD"] = "livepoll-password",
            }, Root);
        await compose.WaitForExitAsync().DefaultTimeout();
        Assert.True(compose.ExitCode == 0, $"docker-compose config refused {file}: {compose.Output}");
    }

    private static List<string> Services(string[] compose) =>
        compose.SkipWhile(l => l != "services:").Skip(1).TakeWhile(l => l.Length == 0 || l.StartsWith(' '))
            .Where(l => l.Length > 2 && l[2] != ' ' && l.TrimEnd().EndsWith(':')).Select(l => l.Trim().TrimEnd(':')).ToList();

    [Fact]
    public void The_image_builds_the_server_and_probes_its_readiness()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
        Assert.Contains("dotnet publish src/LivePoll.Server", dockerfile);
        Assert.Contains("--probe", dockerfile);
    }
}
