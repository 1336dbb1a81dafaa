namespace LivePoll.Server.Newsroom;

/// <summary>Settings of the newsroom as a whole (section <c>Newsroom</c>).</summary>
public sealed class NewsroomOptions
{
    public const string Section = "Newsroom";

    /// <summary>IANA time zone whose days group the feed ("Бүгін", "Кеше", "03 желтоқсан").</summary>
    public string TimeZone { get; set; } = "Asia/Almaty";

    /// <summary>The public site's address, for article permalinks and share links.</summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>API keys of the newsroom, by hash: <c>Newsroom:ApiKeys:0:Name</c>, <c>:Role</c>, <c>:KeyHash</c>.</summary>
    public List<NewsroomApiKey> ApiKeys { get; set; } = [];

    /// <summary>Accounts that sign in from a browser (desk, screen): <c>Newsroom:Accounts:0:Name</c>, <c>:Role</c>, <c>:PasswordHash</c>.</summary>
    public List<NewsroomAccount> Accounts { get; set; } = [];
}

/// <summary>A newsroom account for browser sign-in; only a salted PBKDF2 hash of its password is configured.</summary>
public sealed class NewsroomAccount
{
    public string Name { get; set; } = "";

    /// <summary>The name readers see in a byline and colleagues in the activity log, e.g. "Айгерім Сәдуақасова"; empty: <see cref="Name"/>.</summary>
    public string? DisplayName { get; set; }

    /// <summary><c>editor</c>, <c>contributor</c> or <c>screen</c>.</summary>
    public string Role { get; set; } = NewsroomRoles.Editor;

    /// <summary>What <c>--hash-password PASSWORD</c> prints (ASP.NET Core Identity's PBKDF2 format).</summary>
    public string PasswordHash { get; set; } = "";
}
