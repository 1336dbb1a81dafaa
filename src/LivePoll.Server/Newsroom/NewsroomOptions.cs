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
}
