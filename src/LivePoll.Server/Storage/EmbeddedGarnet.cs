using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Garnet;

namespace LivePoll.Server.Storage;

/// <summary>
/// Microsoft Garnet running inside this process on a loopback port: the store when no Redis is configured.
/// It speaks the Redis protocol, so the rest of LivePoll reaches it through the same StackExchange.Redis
/// code as a real Redis. With a data folder it keeps an append-only file (every write answered only after the
/// file holds it) and periodic checkpoints there, and recovers from them on start; without one, data lasts as
/// long as the process. Only this process can use it: it asks for a password made at every start (kept in memory, and
/// for an operator's maintenance in the data folder, readable by the owner only), so another local process that finds
/// the port reads and writes nothing.
/// </summary>
public sealed partial class EmbeddedGarnet : IDisposable
{
    /// <summary>The file whose lock marks a data folder as in use by one process.</summary>
    public const string LockFileName = "livepoll.lock";

    /// <summary>The process id of the lock's holder.</summary>
    public const string OwnerFileName = "livepoll.pid";

    /// <summary>The running store's password, for an operator's maintenance (owner-only permissions; new at every start).</summary>
    public const string PasswordFileName = "store.password";

    private readonly GarnetServer _server;
    private readonly FileStream? _lock;

    private EmbeddedGarnet(GarnetServer server, int port, string password, string? dataDirectory, FileStream? folderLock, EmbeddedRecovery? recovery)
    {
        _server = server;
        _lock = folderLock;
        Port = port;
        Password = password;
        DataDirectory = dataDirectory;
        Recovery = recovery;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The password this store asks every connection for: random, made at start.</summary>
    public string Password { get; }

    /// <summary>A StackExchange.Redis configuration string that reaches this store: its endpoint and password.</summary>
    public string ConnectionString => $"{Endpoint},password={Password}";

    /// <summary>Where the append-only file and checkpoints are kept; null when the store is in memory only.</summary>
    public string? DataDirectory { get; }

    /// <summary>What start-up recovered from <see cref="DataDirectory"/>; null when the store is in memory only.</summary>
    public EmbeddedRecovery? Recovery { get; }

    /// <summary>Starts an in-memory Garnet on <paramref name="port"/>, or on a free loopback port when it is 0.</summary>
    public static EmbeddedGarnet Start(int port = 0) => Start(port, new EmbeddedPersistence(null, 0), null);

    /// <summary>
    /// Starts Garnet on <paramref name="port"/> (0: a free loopback port), keeping its data in
    /// <paramref name="persistence"/>'s folder when it names one, and recovering what the folder holds first. A free
    /// port is never one of <paramref name="reservedPorts"/> (this server's own HTTP ports, not bound yet).
    /// </summary>
    /// <exception cref="EmbeddedStoreInUseException">Another process has the data folder open.</exception>
    public static EmbeddedGarnet Start(int port, EmbeddedPersistence persistence, ILoggerFactory? logs, IReadOnlySet<int>? reservedPorts = null)
    {
        FileStream? folderLock = null;
        if (persistence.DataDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            folderLock = LockFolder(directory);
        }
        try
        {
            // A free port is found by binding and releasing it; another process may take it in between,
            // so a few attempts are made before giving up.
            const int attempts = 5;
            // Looked at once, before any attempt writes into the folder.
            var hadData = persistence.DataDirectory is { } dir && HoldsStore(dir);
            var password = WritePassword(persistence.DataDirectory);
            for (var attempt = 1; ; attempt++)
            {
                var candidate = port != 0 ? port : FreeLoopbackPort(reservedPorts);
                var garnetLogs = new GarnetLogBridge(logs);
                var started = Stopwatch.GetTimestamp();
                GarnetServer? server = null;
                try
                {
                    server = new GarnetServer(Arguments(candidate, password, persistence), garnetLogs);
                    server.Start();
                    var recovery = persistence.DataDirectory is null ? null
                        : new EmbeddedRecovery(hadData, garnetLogs.ReplayedRecords, Stopwatch.GetElapsedTime(started), garnetLogs.TornTail);
                    return new EmbeddedGarnet(server, candidate, password, persistence.DataDirectory, folderLock, recovery);
                }
                catch (Exception e) when (port == 0 && attempt < attempts && (garnetLogs.BindFailed || IsSocketError(e)))
                {
                    // The port was taken between probing and binding; try another (the failed server lets go of the folder's files first).
                    server?.Dispose();
                }
            }
        }
        catch (Exception e) when (persistence.DataDirectory is { } folder && e is not EmbeddedStoreException)
        {
            folderLock?.Dispose();
            throw new EmbeddedStoreException($"The embedded store could not start on its data folder {folder} ({e.GetType().Name}: {e.Message}). "
                + "If the folder's files are damaged, stop here and restore a backup into it (--restore DIR), or move the folder aside to start empty.", e);
        }
        catch
        {
            folderLock?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new random password; written to the data folder (when there is one) for an operator's maintenance, readable and
    /// writable by the owner only.
    /// </summary>
    private static string WritePassword(string? directory)
    {
        var password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        if (directory is not null)
        {
            var path = Path.Combine(directory, PasswordFileName);
            File.Delete(path);
            using var file = OperatingSystem.IsWindows()
                ? new FileStream(path, FileMode.CreateNew, FileAccess.Write)
                : new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            file.Write(System.Text.Encoding.ASCII.GetBytes(password + "\n"));
        }
        return password;
    }

    private static string[] Arguments(int port, string password, EmbeddedPersistence persistence)
    {
        var arguments = new List<string>
        {
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            // Only this process may connect: the port is on loopback, but any local process could find it.
            "--auth", "Password",
            "--password", password,
            "--lua", "true",
            // Each script runs as one transaction (its keys locked, its writes logged together): another client
            // never sees half a vote batch, and a replayed append-only file never holds half of one.
            "--lua-transaction-mode", "true",
            // LivePoll keeps a few keys per poll and article (voters are hash fields): a 16 MB hash index holds
            // about a million keys without overflow, instead of Garnet's 128 MB default, which every checkpoint writes.
            "--index", "16m",
            // No banner on stdout: the console is the log (one JSON object per line outside Development).
            "-q",
        };
        if (persistence.DataDirectory is { } directory)
        {
            arguments.AddRange(
            [
                "--checkpointdir", directory,
                "--recover",
                "--aof",
                // Garnet commits the file every 5 ms by itself; the writes LivePoll acknowledges as durable (votes,
                // article changes, polls, tips) are committed by LivePoll before it answers (CommitAsync: one commit
                // for everything logged so far, shared by concurrent callers). Garnet's own wait-for-commit is not
                // used: it commits and waits once per operation inside a script, which made a vote batch of a few
                // hundred operations cost as many commits (about 1,200 votes/s at most here, 4x the CPU per vote).
                "--aof-commit-freq", "5",
                // Each commit is a record in the file itself; the commit metadata file is rewritten only every 1000th
                // commit (recovery scans forward from it to the last complete commit record). Rewriting it on every
                // commit cost a file creation per commit: a quarter of the throughput and three times the CPU here.
                "--fast-commit-throttle", "1000",
                // Segments of the file are deleted once a checkpoint covers them.
                "--aof-segment-size", "64m",
                // .NET's file I/O, not the native libaio device, which needs a system library most hosts lack.
                "--device-type", "RandomAccess",
            ]);
            if (persistence.CheckpointIntervalSeconds > 0)
            {
                arguments.AddRange(["--checkpoint-freq", persistence.CheckpointIntervalSeconds.ToString(CultureInfo.InvariantCulture)]);
            }
        }
        return [.. arguments];
    }

    /// <summary>Whether <paramref name="directory"/> holds an append-only file or a checkpoint of an embedded store.</summary>
    public static bool HoldsStore(string directory) =>
        Directory.Exists(Path.Combine(directory, "AOF")) && Directory.EnumerateFiles(Path.Combine(directory, "AOF"), "*", SearchOption.AllDirectories).Any()
        || Directory.Exists(Path.Combine(directory, "Store")) && Directory.EnumerateFiles(Path.Combine(directory, "Store"), "*", SearchOption.AllDirectories).Any();

    /// <summary>
    /// Takes the data folder's lock: two processes writing one append-only file would corrupt it. The lock is the
    /// operating system's, so it is released when the process ends however it ends.
    /// </summary>
    public static FileStream LockFolder(string directory)
    {
        var path = Path.Combine(directory, LockFileName);
        try
        {
            var folderLock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            // Who holds it, for the message another process gives (the locked file itself cannot be read).
            File.WriteAllText(Path.Combine(directory, OwnerFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            return folderLock;
        }
        catch (IOException e)
        {
            throw new EmbeddedStoreInUseException(directory, e);
        }
    }

    private static bool IsSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A loopback port free at this moment (bound and let go), other than any of <paramref name="reserved"/>.</summary>
    public static int FreeLoopbackPort(IReadOnlySet<int>? reserved = null)
    {
        // Holding every probe until one is acceptable keeps the kernel from offering a reserved one twice.
        var held = new List<TcpListener>();
        try
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                held.Add(listener);
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (reserved is null || !reserved.Contains(port) || held.Count > reserved.Count)
                {
                    return port;
                }
            }
        }
        finally
        {
            held.ForEach(l => l.Stop());
        }
    }

    /// <summary>
    /// Commits the append-only file up to everything logged so far and completes once that commit is written (its
    /// file writes bypass the page cache: O_DIRECT). Concurrent callers share commits.
    /// </summary>
    public async Task CommitAsync()
    {
        if (DataDirectory is not null)
        {
            await _server.Store.CommitAOFAsync(CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _server.Dispose();
        _lock?.Dispose();
    }

    /// <summary>
    /// Garnet's own log, read for what recovery did (records replayed, a torn tail) and passed on to LivePoll's log
    /// from warnings up; its start-up chatter is dropped.
    /// </summary>
    private sealed partial class GarnetLogBridge(ILoggerFactory? target) : ILoggerFactory
    {
        private readonly ILogger? _forward = target?.CreateLogger("LivePoll.Server.Storage.Garnet");

        public long? ReplayedRecords { get; private set; }

        public string? TornTail { get; private set; }

        public bool BindFailed { get; private set; }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private void Note(string category, LogLevel level, string message, Exception? exception)
        {
            if (ReplayedRecordsPattern().Match(message) is { Success: true } replayed)
            {
                ReplayedRecords = long.Parse(replayed.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            }
            if (message.Contains("torn", StringComparison.OrdinalIgnoreCase) || message.Contains("invalid/", StringComparison.OrdinalIgnoreCase))
            {
                TornTail = message;
            }
            if (exception is SocketException || message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                BindFailed = true;
            }
            // ArgParser warns that the options an outside logger replaces are ignored: that is us, and expected.
            if (level >= LogLevel.Warning && category != "ArgParser" && _forward is not null)
            {
                StoreLog.GarnetSaid(_forward, level, category, exception is null ? message : $"{message} ({exception.GetType().Name}: {exception.Message})");
            }
        }

        [GeneratedRegex(@"replayed records\s+([\d,]+)")]
        private static partial Regex ReplayedRecordsPattern();

        private sealed class Logger(GarnetLogBridge bridge, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    bridge.Note(category, logLevel, formatter(state, exception), exception);
                }
            }
        }
    }
}

/// <summary>Where the embedded store keeps its data (null: in memory only) and how often it takes a checkpoint.</summary>
public sealed record EmbeddedPersistence(string? DataDirectory, int CheckpointIntervalSeconds);

/// <summary>
/// What the embedded store recovered as it started: whether the folder held a store, how many append-only-file
/// records were replayed after the last checkpoint, how long recovery took, and Garnet's words when the file ended
/// in a torn or unreadable record (recovery stops at the last complete commit).
/// </summary>
public sealed record EmbeddedRecovery(bool FolderHeldData, long? ReplayedRecords, TimeSpan Elapsed, string? TornTail);

/// <summary>The embedded store cannot start on its data folder; the message says why and what to do.</summary>
public class EmbeddedStoreException(string message, Exception inner) : IOException(message, inner);

/// <summary>The data folder is locked by another process (a running LivePoll, or a command on the same folder).</summary>
public sealed class EmbeddedStoreInUseException(string directory, Exception inner)
    : EmbeddedStoreException($"The data folder {directory} is in use by another LivePoll process ({ReadOwner(directory)}): one process at a time keeps a "
        + "data folder. Stop that process, or give this one its own folder (Store:DataDirectory).", inner)
{
    private static string ReadOwner(string directory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(directory, EmbeddedGarnet.OwnerFileName)) is { Length: > 0 } pid ? $"process id {pid.Trim()}" : "process id unknown";
        }
        catch (IOException)
        {
            return "process id unknown";
        }
    }
}
