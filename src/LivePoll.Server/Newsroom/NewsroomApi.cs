namespace LivePoll.Server.Newsroom;

internal static class NewsroomApi
{
    /// <summary>
    /// The route group of every newsroom endpoint (<c>/api/newsroom</c>). Capabilities add their newsroom
    /// endpoints to it, so what guards the newsroom is attached here, once: every endpoint needs a newsroom
    /// account (editor or screen); those that change anything add <see cref="NewsroomAuthExtensions.EditorsOnly"/>.
    /// </summary>
    public static RouteGroupBuilder MapNewsroomGroup(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/newsroom")
            .WithTags("Newsroom")
            .RequireAuthorization(NewsroomPolicies.Read)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .AddEndpointFilter<ActivityFilter>();
        group.MapGet("/activity", async (ActivityLog log, int? limit) => TypedResults.Ok(await log.ListAsync(Math.Clamp(limit ?? 100, 1, ActivityLog.Kept))))
            .WithSummary("The newsroom's activity log, newest first")
            .WithDescription("limit: 1-10000 (default 100). Every change made through a newsroom endpoint that succeeded: at, who (account or "
                + "key name), role, action (e.g. article.corrections, poll.close, poll.exclude, tip.promote), target id, title, the target's "
                + "state before and after, and detail (a correction's or retraction's note, a network, the polls set). The last 10,000 are kept.");
        group.MapGet("/activity.csv", async (ActivityLog log) =>
                TypedResults.Text(ActivityLog.Csv(await log.ListAsync(ActivityLog.Kept)), "text/csv; charset=utf-8"))
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .WithSummary("The activity log as CSV (the last 10,000 entries)");
        return group;
    }
}
