using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LivePoll.Server.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LivePoll.Server.Newsroom;

/// <summary>
/// Newsroom sign-in sessions kept in the store, not in the cookie: the cookie carries only a sealed session id, so
/// signing out deletes the session and the same cookie is refused on every node at once, and so does an expired one.
/// </summary>
internal sealed class StoreTicketStore(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time) : ITicketStore
{
    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        await RenewAsync(id, ticket);
        return id;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) =>
        redis.GetDatabase().StringSetAsync(keys.NewsroomSession(key), TicketSerializer.Default.Serialize(ticket), Lifetime(ticket));

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        if (key.Length != 40)
        {
            return null;
        }
        var stored = await redis.GetDatabase().StringGetAsync(keys.NewsroomSession(key));
        return stored.IsNull ? null : TicketSerializer.Default.Deserialize((byte[])stored!);
    }

    public Task RemoveAsync(string key) => redis.GetDatabase().KeyDeleteAsync(keys.NewsroomSession(key));

    private TimeSpan Lifetime(AuthenticationTicket ticket)
    {
        var left = (ticket.Properties.ExpiresUtc ?? time.GetUtcNow().AddHours(12)) - time.GetUtcNow();
        return left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
    }
}

/// <summary>
/// What a session remembers of its account (a stamp of the role and password hash), so changing an account's password
/// or role, or removing it from the configuration, ends its sessions on the next request.
/// </summary>
internal static class AccountStamp
{
    public const string ClaimType = "lp:account-stamp";

    public static string Of(NewsroomAccount account) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(account.Role + "\n" + account.PasswordHash + (account.DisplayName is { } shown ? "\n" + shown : ""))), 0, 8);

    /// <summary>Refuses a session whose account is gone or changed since it signed in.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.Identity?.Name;
        var stamp = context.Principal?.FindFirstValue(ClaimType);
        var accounts = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<NewsroomOptions>>().CurrentValue.Accounts;
        var account = accounts.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));
        if (account is null || stamp is null || !string.Equals(Of(account), stamp, StringComparison.Ordinal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(NewsroomSchemes.Cookie);
        }
    }
}
