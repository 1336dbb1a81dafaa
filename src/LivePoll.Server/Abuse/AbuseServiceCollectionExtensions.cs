using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Abuse;

internal static class AbuseServiceCollectionExtensions
{
    public const string CorsPolicy = "pages";

    /// <summary>Rate limits, connection cap, message and body size limits, allowed origins.</summary>
    public static IServiceCollection AddAbuseLimits(this IServiceCollection services)
    {
        services.AddOptions<AbuseOptions>().BindConfiguration(AbuseOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.AllowedOrigins.All(a => Uri.TryCreate(a, UriKind.Absolute, out _)), "Limits:AllowedOrigins entries must be origins such as https://news.example.kz.")
            .ValidateOnStart();
        services.AddSingleton<AbuseLimiter>();
        services.AddSingleton<HubRateLimitFilter>();
        services.AddOptions<HubOptions>().Configure<IOptions<AbuseOptions>>((hub, limits) =>
        {
            hub.MaximumReceiveMessageSize = limits.Value.MaxHubMessageBytes;
            hub.AddFilter<HubRateLimitFilter>();
        });
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<AbuseOptions>>((kestrel, limits) =>
        {
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes;
            // No "Server: Kestrel": nothing to tell a scanner which stack to try.
            kestrel.AddServerHeader = false;
        });
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<AbuseOptions>>((cors, limits) =>
            cors.AddPolicy(CorsPolicy, p => p.WithOrigins([.. limits.Value.AllowedOrigins]).AllowAnyHeader().AllowAnyMethod().AllowCredentials()));

        // Behind a load balancer the client's address is in X-Forwarded-For; trusted from loopback by default
        // (add your balancer's address under ForwardedHeaders:KnownProxies / KnownNetworks).
        services.AddOptions<ForwardedHeadersOptions>().Configure<IConfiguration>((o, configuration) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in configuration.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [])
            {
                o.KnownProxies.Add(System.Net.IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw new OptionsValidationException("ForwardedHeaders", typeof(ForwardedHeadersOptions),
                        [$"ForwardedHeaders:KnownProxies has '{proxy}', which is not an IP address."]));
            }
        });
        return services;
    }

    public static IApplicationBuilder UseHubDoor(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Contracts.HubPaths.Live), b => b.UseMiddleware<HubDoorMiddleware>());
}
