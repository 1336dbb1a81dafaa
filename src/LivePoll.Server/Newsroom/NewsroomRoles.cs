using System.Security.Claims;

namespace LivePoll.Server.Newsroom;

/// <summary>
/// The newsroom's roles, from least to most: <c>screen</c> watches (wall screens: polls, articles, tips), <c>contributor</c>
/// writes (own drafts, submitted to an editor; photos; corrections of own published articles), <c>editor</c> does
/// everything (publishes, returns submissions with a note, polls, integrity, tips). docs/security.md has the whole table.
/// </summary>
public static class NewsroomRoles
{
    public const string Editor = "editor";
    public const string Contributor = "contributor";
    public const string Screen = "screen";

    public static readonly IReadOnlyList<string> All = [Screen, Contributor, Editor];

    public static bool IsValid(string? role) => role is Editor or Contributor or Screen;

    /// <summary>Whether <paramref name="user"/> has any newsroom role.</summary>
    public static bool IsNewsroom(ClaimsPrincipal? user) => user is not null && All.Any(user.IsInRole);

    public static bool IsEditor(ClaimsPrincipal? user) => user?.IsInRole(Editor) == true;
}

/// <summary>Authorization policies of newsroom endpoints and hub methods.</summary>
public static class NewsroomPolicies
{
    /// <summary>Any newsroom account: screen, contributor or editor.</summary>
    public const string Read = "newsroom.read";

    /// <summary>Those who write: contributors and editors.</summary>
    public const string Write = "newsroom.write";

    /// <summary>Editors only.</summary>
    public const string Edit = "newsroom.edit";
}

/// <summary>Who a newsroom request is: its account or key name and the name readers see in a byline.</summary>
public static class NewsroomIdentity
{
    /// <summary>The claim with the display name (an account's or key's <c>DisplayName</c>, else its name).</summary>
    public const string DisplayNameClaim = "lp:display-name";

    public static string Name(ClaimsPrincipal user) => user.Identity?.Name ?? "?";

    public static string DisplayName(ClaimsPrincipal user) => user.FindFirstValue(DisplayNameClaim) is { Length: > 0 } shown ? shown : Name(user);

    public static string Role(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Role) ?? "?";
}
