namespace LivePoll.Contracts;

/// <summary>Where the hubs live; the one source of these paths.</summary>
public static class HubPaths
{
    /// <summary>The live hub's URL path on every node.</summary>
    public const string Live = "/hubs/live";
}

/// <summary>Names of the methods a client may invoke on the live hub.</summary>
public static class HubMethods
{
    /// <summary>Returns a <see cref="ServerInfo"/>: which node answered, its version and its clock.</summary>
    public const string GetServerInfo = nameof(GetServerInfo);
}

/// <summary>Names of the events the server sends to clients; each matches a method of <see cref="ILiveClient"/>.</summary>
public static class ClientEvents
{
}
