using System.Net;
using System.Security.Cryptography.X509Certificates;
using LivePoll.Server.Newsroom;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Security;

internal static class SecurityExtensions
{
    private static readonly PathString[] DiagnosticsPaths = ["/metrics", "/openapi", "/docs", "/scalar"];

    public static IServiceCollection AddSecurityPosture(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section)
            .Validate(o => o.DiagnosticsNetworks.All(n => IPNetwork.TryParse(n, out _)),
                "Security:DiagnosticsNetworks entries must be networks in CIDR form, such as 10.0.0.0/8 or 127.0.0.1/32.")
            .Validate(o => o.HstsMaxAgeDays is >= 1 and <= 3650, "Security:HstsMaxAgeDays is from 1 to 3650.")
            .Validate(o => o.DataProtectionCertificate is null || File.Exists(o.DataProtectionCertificate),
                "Security:DataProtectionCertificate names a file that does not exist: give the path of a PFX certificate with its private key.")
            .ValidateOnStart();
        services.AddHsts(_ => { });
        services.AddOptions<Microsoft.AspNetCore.HttpsPolicy.HstsOptions>().Configure<IOptions<SecurityOptions>>((hsts, security) =>
        {
            hsts.MaxAge = TimeSpan.FromDays(security.Value.HstsMaxAgeDays);
            hsts.IncludeSubDomains = security.Value.HstsIncludeSubDomains;
        });
        services.AddHttpsRedirection(_ => { });
        services.AddOptions<Microsoft.AspNetCore.HttpsPolicy.HttpsRedirectionOptions>().Configure<IOptions<SecurityOptions>>((redirect, security) =>
            redirect.HttpsPort = security.Value.HttpsPort);

        // Data-protection keys seal the newsroom's cookies; with a certificate they are encrypted before they reach the store.
        if (configuration[$"{SecurityOptions.Section}:{nameof(SecurityOptions.DataProtectionCertificate)}"] is { Length: > 0 } path && File.Exists(path))
        {
            string? problem = null;
            try
            {
                var certificate = X509CertificateLoader.LoadPkcs12FromFile(path,
                    configuration[$"{SecurityOptions.Section}:{nameof(SecurityOptions.DataProtectionCertificatePassword)}"], X509KeyStorageFlags.EphemeralKeySet);
                if (certificate.HasPrivateKey)
                {
                    services.AddDataProtection().ProtectKeysWithCertificate(certificate);
                }
                else
                {
                    problem = "Security:DataProtectionCertificate has no private key: export it as a PFX with its key.";
                }
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                problem = $"Security:DataProtectionCertificate could not be read ({e.Message.TrimEnd('.')}): is it a PFX, and is Security:DataProtectionCertificatePassword right?";
            }
            if (problem is not null)
            {
                services.AddOptions<SecurityOptions>().Validate(_ => false, problem);
            }
        }
        return services;
    }

    /// <summary>HTTPS redirection and HSTS, when configured; before anything answers.</summary>
    public static WebApplication UseTransportSecurity(this WebApplication app)
    {
        var security = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (security.HttpsRedirection)
        {
            app.UseHttpsRedirection();
        }
        if (security.Hsts)
        {
            app.UseHsts();
        }
        return app;
    }

    /// <summary>
    /// After authentication: keeps /metrics, /openapi and /docs for the newsroom and configured networks (outside
    /// Development), and refuses sign-ins and cookie-authenticated writes that did not come from this site's own pages.
    /// </summary>
    public static WebApplication UseNewsroomGuards(this WebApplication app)
    {
        var security = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        var open = security.OpenDiagnostics ?? app.Environment.IsDevelopment();
        var networks = security.DiagnosticsNetworks.Select(IPNetwork.Parse).ToArray();
        // Read on the first request that needs it: reading the newsroom's options here would validate them before
        // Program's start-up checks can say what is wrong.
        var publicOrigin = new Lazy<string?>(() => OriginOf(app.Services.GetRequiredService<IOptions<NewsroomOptions>>().Value.PublicBaseUrl));
        app.Use(async (context, next) =>
        {
            if (!open && IsDiagnostics(context.Request.Path) && !MaySeeDiagnostics(context, networks))
            {
                await Results.Problem("The metrics and the API description are for the newsroom here: send a newsroom API key "
                    + "(Authorization: Bearer …), sign in, or call from a network in Security:DiagnosticsNetworks.",
                    statusCode: StatusCodes.Status403Forbidden, title: "Not public on this server").ExecuteAsync(context);
                return;
            }
            // A sign-in from another site's page would sign the browser in to an account of the attacker's (login CSRF); a
            // client that is not a browser page sends no Origin and is not concerned.
            var signIn = IsSignIn(context.Request);
            if ((signIn || IsCookieWrite(context)) && !FromOwnPages(context.Request, publicOrigin.Value, out var from) && !(signIn && from is null))
            {
                await Results.Problem(from is null
                    ? "A change made with the newsroom's sign-in cookie must come from this site's pages: the request had no Origin or Referer header."
                    : signIn ? $"Signing in to the newsroom must happen on this site's pages, not on {from}."
                    : $"A change made with the newsroom's sign-in cookie must come from this site's pages, not from {from}.",
                    statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused").ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        return app;
    }

    private static bool IsDiagnostics(PathString path) => DiagnosticsPaths.Any(p => path.StartsWithSegments(p));

    private static bool MaySeeDiagnostics(HttpContext context, IPNetwork[] networks)
    {
        if (NewsroomRoles.IsNewsroom(context.User))
        {
            return true;
        }
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return networks.Any(n => n.Contains(address));
    }

    /// <summary>A request that changes something, made with the sign-in cookie (a browser sends it on its own).</summary>
    private static bool IsCookieWrite(HttpContext context) =>
        !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
        && context.User.Identity is { IsAuthenticated: true, AuthenticationType: NewsroomSchemes.Cookie }
        // The hub's negotiation is a POST but changes nothing; the hub door checks the origin of hub connections.
        && !context.Request.Path.StartsWithSegments(Contracts.HubPaths.Live);

    private static bool IsSignIn(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments(SessionApi.Path);

    /// <summary>
    /// Origin (or, without it, Referer) is one of this site's own origins, as browsers send with our pages' requests:
    /// the origin the request was made to (scheme, host and port; behind a proxy, the scheme it forwarded) or that of
    /// Newsroom:PublicBaseUrl. <paramref name="from"/> is what the request named, null when it named nothing.
    /// </summary>
    private static bool FromOwnPages(HttpRequest request, string? publicOrigin, out string? from)
    {
        from = request.Headers.Origin.ToString() is { Length: > 0 } origin ? origin
            : request.Headers.Referer.ToString() is { Length: > 0 } referer ? referer : null;
        if (from is null || OriginOf(from) is not { } named)
        {
            return false;
        }
        return string.Equals(named, OriginOf($"{request.Scheme}://{request.Host.Value}"), StringComparison.OrdinalIgnoreCase)
            || string.Equals(named, publicOrigin, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>scheme://host:port of an absolute http(s) address (the port always written), or null.</summary>
    private static string? OriginOf(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}"
            : null;
}
