namespace LivePoll.Server.Newsroom;

/// <summary>Password hashing for newsroom accounts: ASP.NET Core Identity's salted PBKDF2.</summary>
public static class Passwords
{
    private static readonly Microsoft.AspNetCore.Identity.PasswordHasher<NewsroomAccount> Hasher = new();

    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    public static bool Verify(NewsroomAccount account, string password) =>
        Hasher.VerifyHashedPassword(account, account.PasswordHash, password) != Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed;
}
