namespace LivePoll.Server.Newsroom;

internal static class NewsroomApi
{
    /// <summary>
    /// The route group of every newsroom endpoint (<c>/api/newsroom</c>). Capabilities add their newsroom
    /// endpoints to it, so what guards the newsroom is attached here, once: every endpoint needs a newsroom
    /// account (editor or screen); those that change anything add <see cref="NewsroomAuthExtensions.EditorsOnly"/>.
    /// </summary>
    public static RouteGroupBuilder MapNewsroomGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/newsroom")
            .WithTags("Newsroom")
            .RequireAuthorization(NewsroomPolicies.Read)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
}
