using LivePoll.Server.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LivePoll.Server.Storage;

/// <summary>Readiness: the store answers a PING within its command timeout.</summary>
internal sealed class StoreHealthCheck(StoreConnection store, LivePollMetrics metrics) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["endpoint"] = store.Endpoint,
            ["embedded"] = store.IsEmbedded,
        };
        if (!store.Multiplexer.IsConnected)
        {
            return HealthCheckResult.Unhealthy(
                $"The store at {store.Endpoint} is not reachable ({store.LastFailure ?? "connecting"}); LivePoll keeps retrying.",
                data: data);
        }

        try
        {
            var latency = await store.PingAsync();
            metrics.RecordStoreLatency(latency, "ping");
            data["pingMs"] = Math.Round(latency.TotalMilliseconds, 2);
            return HealthCheckResult.Healthy($"The store at {store.Endpoint} answers.", data);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(
                $"The store at {store.Endpoint} did not answer: {ex.Message}. LivePoll keeps retrying.", data: data);
        }
    }
}
