using System.Text.RegularExpressions;

namespace TheBot.Stack.Components;

/// <summary>
/// PostgreSQL on 127.0.0.1 with its data folder in the state folder, run as the <c>postgres</c> Unix user when started
/// by root (PostgreSQL refuses to run as root) and as the calling user otherwise:
/// <c>initdb</c> once (password auth over TCP with scram-sha-256, trust only on the unix socket that lives inside the
/// 0700 data folder), <c>pg_stat_statements</c> preloaded, and a database with that extension created after each start.
/// </summary>
public sealed partial class PostgreSql
{
    /// <summary>The database superuser (also the Unix user the server runs as when started by root).</summary>
    public const string User = "postgres";

    /// <summary>
    /// The Debian package of the server, named when it is missing: the version Debian bookworm ships, also when
    /// <see cref="BinDirectory"/> finds a newer one or <c>THEBOT_PG_BIN</c> points elsewhere.
    /// </summary>
    public const string DebianPackage = "postgresql-15";

    /// <summary>
    /// The binaries this component needs installed → the Debian package that ships each (joined by the CLI's
    /// <c>DebianPackageMap</c>): the server of the version Debian bookworm ships (a newer one found under
    /// /usr/lib/postgresql is used too, <see cref="BinDirectory"/>), and psql for the tests and by hand.
    /// </summary>
    public static IReadOnlyList<(string Binary, string Package)> Packages { get; } =
        [("/usr/lib/postgresql/15/bin/postgres", DebianPackage), ("/usr/bin/psql", "postgresql-client-15")];

    private readonly StackPaths _paths;

    /// <summary>
    /// Describes a server on <paramref name="port"/> with <paramref name="password"/> (the local stack's is its
    /// <see cref="StackSecrets"/>' <c>postgres-password</c>, kept in the state folder).
    /// </summary>
    public PostgreSql(StackPaths paths, int port, string password, string database = "thebot")
    {
        _paths = paths;
        Port = port;
        Password = password;
        Database = CheckName(database);
    }

    /// <summary>TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Its row of the services table: the database URL and where the password is kept.</summary>
    public ServiceAccess Access => new("PostgreSQL", $"postgresql://127.0.0.1:{Port}/{Database}", $"user {User}, password in {_paths.SecretFile(SecretNames.PostgresPassword)}");

    /// <summary>Password of <see cref="User"/>.</summary>
    public string Password { get; }

    /// <summary>The database created after start (with <c>pg_stat_statements</c>).</summary>
    public string Database { get; }

    /// <summary>
    /// False trades durability for speed (fsync off, small shared buffers): for throwaway test servers only.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>
    /// The Unix user the server and <c>initdb</c> run as, with the data folder owned by it: <see cref="User"/> when
    /// this process is root (PostgreSQL refuses root, and only root may switch users or chown), null (the calling
    /// user, no chown) otherwise.
    /// </summary>
    public string? ServerUser { get; init; } = ServerUserFor(Environment.IsPrivilegedProcess);

    /// <summary>The server's data folder (also holds its unix socket).</summary>
    public string DataDirectory => _paths.Data(ServiceNames.PostgreSql);

    /// <summary>Folder of <c>postgres</c>, <c>initdb</c>, <c>psql</c>, <c>pg_isready</c>.</summary>
    public string BinDirectory { get; init; } = FindBinDirectory();

    /// <summary>Npgsql connection string for <see cref="Database"/>.</summary>
    public string ConnectionString => ConnectionStringFor(Database);

    /// <summary>
    /// Npgsql connection string for another database of this server. TLS off, like the exporter's: the server listens on
    /// loopback without a certificate, and with Npgsql's default (<c>Prefer</c>) every cancel request it sends after a
    /// command timeout first waits for an SSL answer that a hung server never gives — 2 × the connect timeout per timed-out
    /// request, spent blocking a thread-pool thread (measured: 4.0 s instead of 2 s per request on a frozen server).
    /// </summary>
    public string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database={database};SSL Mode=Disable";

    /// <summary>libpq URL (postgres_exporter's <c>DATA_SOURCE_NAME</c>).</summary>
    public string DataSourceName => $"postgresql://{User}:{Password}@127.0.0.1:{Port}/{Database}?sslmode=disable";

    /// <summary>The process spec.</summary>
    public ProcessSpec Spec => new(ServiceNames.PostgreSql, Path.Combine(BinDirectory, "postgres"))
    {
        Package = DebianPackage,
        Arguments =
        [
            "-D", DataDirectory, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", $"unix_socket_directories={DataDirectory}",
            "-c", "shared_preload_libraries=pg_stat_statements",
            "-c", "pg_stat_statements.track=all",
            // Dynamic shared memory in the data folder (pg_dynshmem) instead of /dev/shm: a server killed outright
            // (a test run stopped mid-way, SIGKILL) then leaves nothing outside its folder, and the next start
            // of the same folder removes what is left there.
            "-c", "dynamic_shared_memory_type=mmap",
            .. Durable ? Array.Empty<string>() : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "shared_buffers=16MB"],
        ],
        RunAs = ServerUser,
        Ports = new Dictionary<string, int> { ["sql"] = Port },
        Address = $"127.0.0.1:{Port}",
        Readiness = ReadinessProbe.Check($"pg_isready -h 127.0.0.1 -p {Port}", async ct =>
            (await CommandRunner.RunAsync(Path.Combine(BinDirectory, "pg_isready"), ["-h", "127.0.0.1", "-p", $"{Port}", "-t", "2"],
                new CommandOptions { Timeout = TimeSpan.FromSeconds(5) }, ct)).Succeeded),
        Setup = new SetupStep(Path.Combine(DataDirectory, "PG_VERSION"), InitDbAsync),
        AfterReady = ct => CreateDatabaseAsync(Database, ct),
        StopSignal = ProcessSignal.Interrupt,
    };

    /// <summary>The Unix user the server runs as: <see cref="User"/> when started by root, the caller (null) otherwise.</summary>
    public static string? ServerUserFor(bool startedByRoot) => startedByRoot ? User : null;

    /// <summary>The newest <c>/usr/lib/postgresql/N/bin</c> (override with <c>THEBOT_PG_BIN</c>).</summary>
    public static string FindBinDirectory()
    {
        if (Environment.GetEnvironmentVariable("THEBOT_PG_BIN") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        var root = "/usr/lib/postgresql";
        var newest = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Where(d => File.Exists(Path.Combine(d, "bin", "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return newest is null ? "/usr/lib/postgresql/15/bin" : Path.Combine(newest, "bin");
    }

    /// <summary>Runs SQL through <c>psql</c> over TCP (password auth) and returns its unaligned, tuples-only output.</summary>
    public async Task<string> PsqlAsync(string sql, string? database = null, CancellationToken cancellationToken = default)
    {
        var result = await CommandRunner.RunCheckedAsync(
            Path.Combine(BinDirectory, "psql"),
            ["-h", "127.0.0.1", "-p", $"{Port}", "-U", User, "-d", database ?? Database, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            new CommandOptions
            {
                Environment = new Dictionary<string, string> { ["PGPASSWORD"] = Password, ["PGCONNECT_TIMEOUT"] = "5" },
                Timeout = TimeSpan.FromSeconds(30),
            },
            cancellationToken);
        return result.StandardOutput.Trim();
    }

    /// <summary>Creates <paramref name="name"/> unless it exists, with the <c>pg_stat_statements</c> extension.</summary>
    public async Task CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        if (await PsqlAsync($"SELECT 1 FROM pg_database WHERE datname = '{name}'", "postgres", cancellationToken) != "1")
        {
            await PsqlAsync($"CREATE DATABASE \"{name}\"", "postgres", cancellationToken);
        }

        await PsqlAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", name, cancellationToken);
    }

    private async Task InitDbAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgreSQL is run on Linux only");
        }

        var data = DataDirectory;
        if (ServerUser is not null)
        {
            MakeReachable(Path.GetDirectoryName(data)!);
        }

        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true); // a half-done earlier initdb (no PG_VERSION)
        }

        Directory.CreateDirectory(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var passwordFile = data + ".pwfile";
        await File.WriteAllTextAsync(passwordFile, Password + "\n", cancellationToken);
        try
        {
            if (ServerUser is not null)
            {
                await UnixUser.ChownAsync(data, ServerUser, cancellationToken);
                await UnixUser.ChownAsync(passwordFile, ServerUser, cancellationToken);
            }

            await CommandRunner.RunCheckedAsync(
                Path.Combine(BinDirectory, "initdb"),
                ["-D", data, "-U", User, "--auth-local=trust", "--auth-host=scram-sha-256", $"--pwfile={passwordFile}",
                 "-E", "UTF8", "--no-locale", .. Durable ? Array.Empty<string>() : ["--no-sync"]],
                new CommandOptions { RunAs = ServerUser, WorkingDirectory = _paths.Root, Timeout = TimeSpan.FromMinutes(2) },
                cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>
    /// The server user must traverse every folder above its data folder: folders inside the state folder are opened
    /// up (o+x); for one above it the error names the folder.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private void MakeReachable(string folder)
    {
        Directory.CreateDirectory(folder);
        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
        {
            if ((dir.UnixFileMode & UnixFileMode.OtherExecute) != 0)
            {
                continue;
            }

            if (!(dir.FullName + "/").StartsWith(_paths.Root + "/", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"user {User} cannot reach {dir.FullName}; run `chmod o+x {dir.FullName}` or choose another --state-dir");
            }

            dir.UnixFileMode |= UnixFileMode.OtherExecute | UnixFileMode.GroupExecute;
        }
    }

    private static string CheckName(string database) => DatabaseName().IsMatch(database)
        ? database
        : throw new ArgumentException($"'{database}' is not a plain database name ([a-z_][a-z0-9_]*)", nameof(database));

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
