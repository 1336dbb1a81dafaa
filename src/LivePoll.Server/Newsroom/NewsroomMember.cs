using System.Security.Claims;

namespace LivePoll.Server.Newsroom;

/// <summary>Who makes a newsroom change: the account or key name, the name shown for it (bylines, the activity log), its role.</summary>
public sealed record NewsroomMember(string Name, string DisplayName, string Role)
{
    public bool IsEditor => Role == NewsroomRoles.Editor;

    /// <summary>The scheduler and other work the server does by itself.</summary>
    public static readonly NewsroomMember System = new("livepoll", "LivePoll", NewsroomRoles.Editor);

    public static NewsroomMember Of(ClaimsPrincipal user) =>
        new(NewsroomIdentity.Name(user), NewsroomIdentity.DisplayName(user), NewsroomIdentity.Role(user));
}
