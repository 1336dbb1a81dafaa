using System.Diagnostics;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;

namespace LivePoll.Server.Storage;

/// <summary>
/// Commands of the server that work on the store instead of serving: <c>--export FILE</c> and <c>--import FILE</c>
/// (every LivePoll key as JSON, to move from the embedded default to Redis or back), <c>--backup DIR</c> and
/// <c>--restore DIR</c> (the embedded store's data folder). They read the same settings as the server
/// (appsettings, environment, command line): <c>Redis:Configuration</c> names a Redis, otherwise the embedded store
/// in <c>Store:DataDirectory</c> is meant, which must not be in use by a running server.
/// </summary>
internal static class StoreCommands
{
    /// <summary>The export file's <c>format</c>; <c>version</c> says which layout of LivePoll's keys it holds.</summary>
    public const string Format = "livepoll-store-export";

    public const int FormatVersion = 1;

    private static readonly string[] Names = ["--export", "--import", "--backup", "--restore"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Names.Contains(args[0]);

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, string contentRoot)
    {
        if (args.Length < 2 || args[1].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"{args[0]} needs a {(args[0] is "--export" or "--import" ? "file" : "folder")}: e.g. dotnet LivePoll.Server.dll {args[0]} "
                + (args[0] is "--export" or "--import" ? "livepoll-export.json" : "/var/backups/livepoll"));
            return 2;
        }
        var store = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        var embedded = configuration.GetSection(EmbeddedStoreOptions.Section).Get<EmbeddedStoreOptions>() ?? new EmbeddedStoreOptions();
        var media = configuration.GetSection(Media.MediaOptions.Section).Get<Media.MediaOptions>() ?? new Media.MediaOptions();
        // The photos' folder (inside the embedded store's data folder by default, so backups carry them).
        var mediaDirectory = Media.MediaLocation.Resolve(media, store, embedded, contentRoot).Directory;
        var path = Path.GetFullPath(args[1]);
        try
        {
            return args[0] switch
            {
                "--export" => await ExportAsync(store, embedded, contentRoot, mediaDirectory, path),
                "--import" => await ImportAsync(store, embedded, contentRoot, mediaDirectory, path),
                "--backup" => await BackupAsync(store, embedded, contentRoot, path),
                _ => await RestoreAsync(store, embedded, contentRoot, path),
            };
        }
        catch (Exception e) when (e is CommandException or EmbeddedStoreException or RedisException or IOException or UnauthorizedAccessException or JsonException)
        {
            Console.Error.WriteLine($"LivePoll {args[0][2..]} failed: {e.Message}");
            return 1;
        }
    }

    private sealed class CommandException(string message) : Exception(message);

    /// <summary>The store the settings name: a Redis, or the embedded store on its data folder (started here, locked).</summary>
    private sealed class OpenStore : IAsyncDisposable
    {
        public required IConnectionMultiplexer Redis { get; init; }

        public EmbeddedGarnet? Embedded { get; init; }

        public required string Description { get; init; }

        public required string Prefix { get; init; }

        /// <summary>Key shapes under this store's prefix.</summary>
        public RedisKeys Keys => new(Prefix);

        /// <summary>A key's name without the prefix, as the export file holds it.</summary>
        public string NameOf(RedisKey key) => Keys.NameOf(key);

        public async ValueTask DisposeAsync()
        {
            await Redis.CloseAsync();
            Redis.Dispose();
            Embedded?.Dispose();
        }
    }

    private static async Task<OpenStore> OpenAsync(StoreOptions store, EmbeddedStoreOptions embedded, string contentRoot, bool mustHoldData)
    {
        if (!store.UsesEmbeddedStore)
        {
            var settings = ConfigurationOptions.Parse(store.Configuration!);
            settings.AbortOnConnectFail = true;
            settings.ConnectTimeout = store.ConnectTimeoutMs;
            settings.SyncTimeout = settings.AsyncTimeout = Math.Max(store.CommandTimeoutMs, 30_000);
            settings.ClientName ??= "livepoll-command";
            var redis = await ConnectionMultiplexer.ConnectAsync(settings);
            return new OpenStore { Redis = redis, Description = "Redis at " + string.Join(",", settings.EndPoints), Prefix = store.KeyPrefix };
        }
        var directory = embedded.ResolveDataDirectory(contentRoot)
            ?? throw new CommandException("No Redis is configured and the embedded store keeps nothing on disk (Store:Embedded:Persist=false): "
                + "there is no store to work on. Set Redis:Configuration or Store:DataDirectory.");
        if (mustHoldData && !(Directory.Exists(directory) && EmbeddedGarnet.HoldsStore(directory)))
        {
            throw new CommandException($"The data folder {directory} holds no embedded store (no append-only file or checkpoint). "
                + "Is Store:DataDirectory right?");
        }
        var garnet = EmbeddedGarnet.Start(0, new EmbeddedPersistence(directory, 0), null);
        try
        {
            if (garnet.Recovery?.TornTail is { } torn)
            {
                Console.Error.WriteLine($"Note: the append-only file in {directory} ended in a torn record; what came before it was recovered. ({torn})");
            }
            var settings = ConfigurationOptions.Parse(garnet.ConnectionString);
            settings.AllowAdmin = true;
            settings.SyncTimeout = settings.AsyncTimeout = 60_000;
            settings.ClientName = "livepoll-command";
            var redis = await ConnectionMultiplexer.ConnectAsync(settings);
            return new OpenStore { Redis = redis, Embedded = garnet, Description = "the embedded store in " + directory, Prefix = store.KeyPrefix };
        }
        catch
        {
            garnet.Dispose();
            throw;
        }
    }

    private static IEnumerable<IServer> Primaries(IConnectionMultiplexer redis) =>
        redis.GetServers().Where(s => s.IsConnected && !s.IsReplica);

    private static async IAsyncEnumerable<RedisKey> KeysAsync(IConnectionMultiplexer redis, string prefix)
    {
        foreach (var server in Primaries(redis))
        {
            await foreach (var key in server.KeysAsync(pattern: new RedisKeys(prefix).AllKeysPattern, pageSize: 1000))
            {
                yield return key;
            }
        }
    }

    // ---- export ----

    private static async Task<int> ExportAsync(StoreOptions options, EmbeddedStoreOptions embedded, string contentRoot, string mediaDirectory, string file)
    {
        await using var store = await OpenAsync(options, embedded, contentRoot, mustHoldData: true);
        var db = store.Redis.GetDatabase();
        var started = Stopwatch.StartNew();
        var summary = new Summary();
        var temporary = file + ".partial";
        await using (var stream = File.Create(temporary))
        await using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("version", FormatVersion);
            json.WriteString("exportedAt", DateTime.UtcNow);
            json.WriteString("from", store.Description);
            json.WriteString("keyPrefix", store.Prefix);
            json.WriteStartArray("keys");
            await foreach (var key in KeysAsync(store.Redis, store.Prefix))
            {
                var name = store.NameOf(key);
                var type = await db.KeyTypeAsync(key);
                var ttl = await db.KeyTimeToLiveAsync(key);
                json.WriteStartObject();
                json.WriteString("key", name);
                json.WriteString("type", type.ToString().ToLowerInvariant());
                if (ttl is { } left)
                {
                    json.WriteNumber("ttlMs", Math.Max(1, (long)left.TotalMilliseconds));
                }
                var entries = 0L;
                switch (type)
                {
                    case RedisType.String:
                        json.WritePropertyName("value");
                        WriteValue(json, await db.StringGetAsync(key));
                        entries = 1;
                        break;
                    case RedisType.Hash:
                        json.WriteStartArray("value");
                        await foreach (var entry in db.HashScanAsync(key, pageSize: 1000))
                        {
                            json.WriteStartArray();
                            WriteValue(json, entry.Name);
                            WriteValue(json, entry.Value);
                            json.WriteEndArray();
                            entries++;
                        }
                        json.WriteEndArray();
                        break;
                    case RedisType.Set:
                        json.WriteStartArray("value");
                        await foreach (var member in db.SetScanAsync(key, pageSize: 1000))
                        {
                            WriteValue(json, member);
                            entries++;
                        }
                        json.WriteEndArray();
                        break;
                    case RedisType.SortedSet:
                        json.WriteStartArray("value");
                        await foreach (var entry in db.SortedSetScanAsync(key, pageSize: 1000))
                        {
                            json.WriteStartArray();
                            WriteValue(json, entry.Element);
                            json.WriteNumberValue(entry.Score);
                            json.WriteEndArray();
                            entries++;
                        }
                        json.WriteEndArray();
                        break;
                    case RedisType.List:
                        json.WriteStartArray("value");
                        foreach (var item in await db.ListRangeAsync(key))
                        {
                            WriteValue(json, item);
                            entries++;
                        }
                        json.WriteEndArray();
                        break;
                    case RedisType.None:
                        // Expired or deleted between the scan and now.
                        json.WriteNull("value");
                        break;
                    default:
                        throw new CommandException($"{key} is a {type}, which LivePoll never writes: is another application using the prefix '{store.Prefix}'?");
                }
                json.WriteEndObject();
                summary.Count(name, type, entries);
                if (json.BytesPending > 64 * 1024)
                {
                    await json.FlushAsync();
                }
            }
            json.WriteEndArray();
            // The photos' renditions, so the store they are imported into serves them too.
            json.WriteStartArray("media");
            foreach (var photo in MediaFiles(mediaDirectory))
            {
                json.WriteStartObject();
                json.WriteString("name", Path.GetFileName(photo));
                json.WriteBase64String("base64", await File.ReadAllBytesAsync(photo));
                json.WriteEndObject();
                summary.MediaFiles++;
                await json.FlushAsync();
            }
            json.WriteEndArray();
            json.WritePropertyName("summary");
            JsonSerializer.Serialize(json, summary);
            json.WriteEndObject();
        }
        File.Move(temporary, file, overwrite: true);
        Console.WriteLine($"Exported {summary} from {store.Description} to {file} in {started.Elapsed.TotalSeconds:0.0} s.");
        return 0;
    }

    /// <summary>A string when the bytes are UTF-8 text (almost always), else <c>{ "base64": "…" }</c>.</summary>
    private static void WriteValue(Utf8JsonWriter json, RedisValue value)
    {
        byte[] bytes = value!;
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            json.WriteStringValue(Encoding.UTF8.GetString(bytes));
        }
        else
        {
            json.WriteStartObject();
            json.WriteBase64String("base64", bytes);
            json.WriteEndObject();
        }
    }

    private static RedisValue ReadValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Object when element.TryGetProperty("base64", out var base64) => base64.GetBytesFromBase64(),
        JsonValueKind.Number => element.GetRawText(),
        _ => throw new CommandException($"A value in the file is {element.ValueKind}, not a string: is it a LivePoll export?"),
    };

    /// <summary>What an export holds, in LivePoll's words.</summary>
    private sealed class Summary
    {
        public long Keys { get; set; }

        public long Polls { get; set; }

        public long Votes { get; set; }

        public long Articles { get; set; }

        public long FeedEvents { get; set; }

        public long Tips { get; set; }

        public long Photos { get; set; }

        /// <summary>Files of photos' renditions carried with the keys.</summary>
        public long MediaFiles { get; set; }

        public void Count(string name, RedisType type, long entries)
        {
            Keys++;
            if (name.StartsWith("poll:", StringComparison.Ordinal) && name.EndsWith(":meta", StringComparison.Ordinal))
            {
                Polls++;
            }
            else if (name.StartsWith("poll:", StringComparison.Ordinal) && name.EndsWith(":voters", StringComparison.Ordinal))
            {
                Votes += entries;
            }
            else if (name == "{feed}:articles")
            {
                Articles += entries;
            }
            else if (name == "{feed}:log")
            {
                FeedEvents += entries;
            }
            else if (name == "{tips}:all")
            {
                Tips += entries;
            }
            else if (name.StartsWith("media:", StringComparison.Ordinal))
            {
                Photos++;
            }
        }

        public override string ToString() =>
            $"{Keys} keys ({Polls} polls with {Votes} voters, {Articles} articles, {FeedEvents} feed events, {Tips} tips, {Photos} photos"
            + (MediaFiles > 0 ? $" in {MediaFiles} files)" : ")");
    }

    // ---- import ----

    private static async Task<int> ImportAsync(StoreOptions options, EmbeddedStoreOptions embedded, string contentRoot, string mediaDirectory, string file)
    {
        if (!File.Exists(file))
        {
            throw new CommandException($"{file} does not exist.");
        }
        await using var stream = File.OpenRead(file);
        using var document = await JsonDocument.ParseAsync(stream, new JsonDocumentOptions { MaxDepth = 16 });
        var root = document.RootElement;
        if (!root.TryGetProperty("format", out var format) || format.GetString() != Format)
        {
            throw new CommandException($"{file} is not a LivePoll export (its \"format\" is not \"{Format}\").");
        }
        if (root.GetProperty("version").GetInt32() != FormatVersion)
        {
            throw new CommandException($"{file} is an export of version {root.GetProperty("version").GetInt32()}; this LivePoll reads version {FormatVersion}.");
        }

        await using var store = await OpenAsync(options, embedded, contentRoot, mustHoldData: false);
        await foreach (var _ in KeysAsync(store.Redis, store.Prefix))
        {
            throw new CommandException($"{store.Description} already holds LivePoll keys under the prefix '{store.Prefix}:'. Import only into an empty "
                + "store (or under another Redis:KeyPrefix), so that nothing already there is mixed with the imported history.");
        }

        var db = store.Redis.GetDatabase();
        var started = Stopwatch.StartNew();
        var summary = new Summary();
        var keys = root.GetProperty("keys").EnumerateArray().ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (entry, _) =>
        {
            var name = entry.GetProperty("key").GetString()!;
            var key = store.Keys.Named(name);
            var value = entry.GetProperty("value");
            var entries = 0L;
            var type = Enum.Parse<RedisType>(entry.GetProperty("type").GetString()!, ignoreCase: true);
            switch (type)
            {
                case RedisType.String:
                    await db.StringSetAsync(key, ReadValue(value));
                    entries = 1;
                    break;
                case RedisType.Hash:
                    entries = await InChunksAsync(value, pair => new HashEntry(ReadValue(pair[0]), ReadValue(pair[1])), chunk => db.HashSetAsync(key, chunk));
                    break;
                case RedisType.Set:
                    entries = await InChunksAsync(value, ReadValue, chunk => db.SetAddAsync(key, chunk));
                    break;
                case RedisType.SortedSet:
                    entries = await InChunksAsync(value, pair => new SortedSetEntry(ReadValue(pair[0]), pair[1].GetDouble()), chunk => db.SortedSetAddAsync(key, chunk));
                    break;
                case RedisType.List:
                    entries = await InChunksAsync(value, ReadValue, chunk => db.ListRightPushAsync(key, chunk));
                    break;
                case RedisType.None:
                    return;
                default:
                    throw new CommandException($"{name} has the type {type}, which LivePoll never writes.");
            }
            if (entry.TryGetProperty("ttlMs", out var ttl))
            {
                await db.KeyExpireAsync(key, TimeSpan.FromMilliseconds(ttl.GetInt64()));
            }
            lock (summary)
            {
                summary.Count(name, type, entries);
            }
        });
        if (root.TryGetProperty("media", out var media))
        {
            Directory.CreateDirectory(mediaDirectory);
            foreach (var photo in media.EnumerateArray())
            {
                var name = Path.GetFileName(photo.GetProperty("name").GetString() ?? "");
                var target = Path.Combine(mediaDirectory, name);
                if (name.Length > 0 && !File.Exists(target))
                {
                    await File.WriteAllBytesAsync(target, photo.GetProperty("base64").GetBytesFromBase64());
                }
                summary.MediaFiles++;
            }
        }
        if (store.Embedded is not null)
        {
            await StoreConnection.SaveCheckpointAsync(store.Redis);
        }
        Console.WriteLine($"Imported {summary} from {file} into {store.Description} under the prefix '{store.Prefix}:' in {started.Elapsed.TotalSeconds:0.0} s.");
        return 0;
    }

    /// <summary>Writes a collection's entries in commands of 1,000 (a voters hash may hold a million); returns how many.</summary>
    private static async Task<long> InChunksAsync<T>(JsonElement entries, Func<JsonElement, T> read, Func<T[], Task> write)
    {
        var written = 0L;
        foreach (var chunk in entries.EnumerateArray().Chunk(1000))
        {
            await write([.. chunk.Select(read)]);
            written += chunk.Length;
        }
        return written;
    }

    /// <summary>The photos' renditions in <paramref name="directory"/> (none when it does not exist; unfinished writes left out).</summary>
    private static IEnumerable<string> MediaFiles(string directory) => Directory.Exists(directory)
        ? Directory.EnumerateFiles(directory).Where(f => !f.EndsWith(".partial", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
        : [];

    // ---- backup and restore of the embedded store's folder ----

    private static string EmbeddedFolder(StoreOptions options, EmbeddedStoreOptions embedded, string contentRoot, string command) =>
        !options.UsesEmbeddedStore
            ? throw new CommandException($"{command} copies the embedded store's data folder, but Redis:Configuration names a Redis: back a Redis up with "
                + "its own persistence (RDB snapshots or the AOF), or take a JSON copy with --export.")
            : embedded.ResolveDataDirectory(contentRoot)
              ?? throw new CommandException($"{command} needs the embedded store on disk: Store:Embedded:Persist is false.");

    private static async Task<int> BackupAsync(StoreOptions options, EmbeddedStoreOptions embedded, string contentRoot, string destination)
    {
        var source = EmbeddedFolder(options, embedded, contentRoot, "--backup");
        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
        {
            throw new CommandException($"{destination} is not empty: give a new or empty folder for the backup.");
        }
        Summary summary;
        await using (var store = await OpenAsync(options, embedded, contentRoot, mustHoldData: true))
        {
            // One checkpoint holding everything: the backup restores fast and does not depend on replaying the file.
            await StoreConnection.SaveCheckpointAsync(store.Redis);
            summary = await SummarizeAsync(store);
        }
        // The store is stopped; the folder stays locked while it is copied, so no server starts on it meanwhile.
        using (EmbeddedGarnet.LockFolder(source))
        {
            CopyFolder(source, destination);
        }
        Console.WriteLine($"Backed up {summary} from {source} to {destination}. Restore it with --restore {destination}.");
        return 0;
    }

    private static async Task<int> RestoreAsync(StoreOptions options, EmbeddedStoreOptions embedded, string contentRoot, string backup)
    {
        var target = EmbeddedFolder(options, embedded, contentRoot, "--restore");
        if (!Directory.Exists(backup) || !EmbeddedGarnet.HoldsStore(backup))
        {
            throw new CommandException($"{backup} holds no LivePoll data folder (no append-only file or checkpoint): give a folder made by --backup.");
        }
        if (Path.GetFullPath(backup).TrimEnd('/') == target.TrimEnd('/'))
        {
            throw new CommandException("The backup is the data folder itself.");
        }
        Directory.CreateDirectory(target);
        string? aside = null;
        using (EmbeddedGarnet.LockFolder(target))
        {
            if (EmbeddedGarnet.HoldsStore(target))
            {
                // Never destroyed: what the folder held is kept beside it.
                aside = $"{target.TrimEnd('/')}.before-restore-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
                Directory.CreateDirectory(aside);
                foreach (var entry in Directory.EnumerateFileSystemEntries(target).Where(e => !IsProcessFile(e)).ToList())
                {
                    var to = Path.Combine(aside, Path.GetFileName(entry));
                    if (Directory.Exists(entry))
                    {
                        Directory.Move(entry, to);
                    }
                    else
                    {
                        File.Move(entry, to);
                    }
                }
            }
            CopyFolder(backup, target);
        }
        // Proof that it opens: recover it and say what it holds.
        Summary summary;
        await using (var store = await OpenAsync(options, embedded, contentRoot, mustHoldData: true))
        {
            summary = await SummarizeAsync(store);
        }
        Console.WriteLine($"Restored {summary} from {backup} into {target}."
            + (aside is null ? "" : $" What the folder held before is kept in {aside}."));
        return 0;
    }

    /// <summary>What the store holds, counted key by key.</summary>
    private static async Task<Summary> SummarizeAsync(OpenStore store)
    {
        var summary = new Summary();
        var db = store.Redis.GetDatabase();
        await foreach (var key in KeysAsync(store.Redis, store.Prefix))
        {
            var type = await db.KeyTypeAsync(key);
            summary.Count(store.NameOf(key), type, await EntriesAsync(db, key, type));
        }
        return summary;
    }

    private static async Task<long> EntriesAsync(IDatabase db, RedisKey key, RedisType type) => type switch
    {
        RedisType.Hash => await db.HashLengthAsync(key),
        RedisType.Set => await db.SetLengthAsync(key),
        RedisType.SortedSet => await db.SortedSetLengthAsync(key),
        RedisType.List => await db.ListLengthAsync(key),
        _ => 1,
    };

    private static bool IsProcessFile(string path) =>
        Path.GetFileName(path) is EmbeddedGarnet.LockFileName or EmbeddedGarnet.OwnerFileName or EmbeddedGarnet.PasswordFileName;

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            if (IsProcessFile(file) && Path.GetDirectoryName(file) == from.TrimEnd('/'))
            {
                continue;
            }
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
