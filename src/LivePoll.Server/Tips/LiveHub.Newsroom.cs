using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using LivePoll.Server.Tips;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Live;

/// <summary>Newsroom methods of the live hub: only editor and screen accounts may call them.</summary>
public sealed partial class LiveHub
{
    [HubMethodName(HubMethods.JoinNewsroom)]
    [Authorize(Policy = NewsroomPolicies.Read)]
    public async Task<IReadOnlyList<Tip>> JoinNewsroom(TipStore tips)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, TipsApi.NewsroomGroup);
        return await tips.ListAsync(handled: false, limit: 100);
    }
}
