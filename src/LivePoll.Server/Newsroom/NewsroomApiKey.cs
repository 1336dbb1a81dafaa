namespace LivePoll.Server.Newsroom;

/// <summary>A newsroom API key (for automation such as a CMS, and for wall screens): only its hash is configured.</summary>
public sealed class NewsroomApiKey
{
    public string Name { get; set; } = "";

    /// <summary>The name shown for what the key does (bylines, activity log); empty: <see cref="Name"/>.</summary>
    public string? DisplayName { get; set; }

    /// <summary><c>editor</c>, <c>contributor</c> or <c>screen</c>.</summary>
    public string Role { get; set; } = NewsroomRoles.Editor;

    /// <summary>SHA-256 of the key, hex; <c>--hash-key KEY</c> prints it.</summary>
    public string KeyHash { get; set; } = "";

    /// <summary>Clients with this key skip the vote, tip and connection limits (a load tool); everyone else keeps them.</summary>
    public bool ExemptFromLimits { get; set; }
}
