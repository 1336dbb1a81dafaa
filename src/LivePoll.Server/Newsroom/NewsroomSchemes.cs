namespace LivePoll.Server.Newsroom;

/// <summary>The authentication schemes of the newsroom.</summary>
public static class NewsroomSchemes
{
    /// <summary>
    /// The default scheme: the API key handler, which hands requests that carry only the sign-in cookie on to
    /// <see cref="Cookie"/>. A request with a key costs one handler, a reader's request (no credentials) one
    /// handler that finds nothing.
    /// </summary>
    public const string Newsroom = ApiKeyAuthenticationHandler.SchemeName;

    public const string Cookie = "NewsroomCookie";

    /// <summary>The sign-in cookie of newsroom accounts (large tickets are chunked, but this one is always there).</summary>
    public const string CookieName = "lp_newsroom";
}
