namespace LivePoll.Server.Security;

/// <summary>How the server presents itself to browsers and who may see its internals (section <c>Security</c>).</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>Redirect plain HTTP requests to HTTPS (when Kestrel itself, not a proxy, terminates TLS).</summary>
    public bool HttpsRedirection { get; set; }

    /// <summary>The HTTPS port to redirect to when it cannot be found from Kestrel's endpoints (e.g. 443 behind a proxy).</summary>
    public int? HttpsPort { get; set; }

    /// <summary>Send Strict-Transport-Security on HTTPS answers (only once the whole site is served over HTTPS).</summary>
    public bool Hsts { get; set; }

    /// <summary>How long browsers remember to use HTTPS only.</summary>
    public int HstsMaxAgeDays { get; set; } = 365;

    /// <summary>Whether HSTS covers subdomains too.</summary>
    public bool HstsIncludeSubDomains { get; set; }

    /// <summary>
    /// Whether /metrics, /openapi and /docs answer anyone. Unset: open in Development, otherwise only to newsroom
    /// accounts and keys and to <see cref="DiagnosticsNetworks"/>.
    /// </summary>
    public bool? OpenDiagnostics { get; set; }

    /// <summary>Networks (CIDR, e.g. <c>10.0.0.0/8</c>, <c>127.0.0.1/32</c>) that may read /metrics, /openapi and /docs without a key: your Prometheus.</summary>
    public List<string> DiagnosticsNetworks { get; set; } = [];

    /// <summary>
    /// A PFX certificate whose key encrypts the data-protection keys (which seal newsroom sign-in cookies) before they
    /// are stored. Unset: the keys are stored as plain XML (a warning says so outside Development with Redis).
    /// </summary>
    public string? DataProtectionCertificate { get; set; }

    /// <summary>The password of <see cref="DataProtectionCertificate"/>, if it has one.</summary>
    public string? DataProtectionCertificatePassword { get; set; }
}
