namespace TheBot.Stack;

/// <summary>
/// Layout of a stack's state folder (<c>--state-dir</c>): data, logs, rendered configs, pid files and secrets.
/// Several stacks can live side by side as long as each has its own root.
/// </summary>
public sealed record StackPaths
{
    /// <summary>Creates the layout rooted at <paramref name="root"/> (made absolute; nothing is created yet).</summary>
    public StackPaths(string root) => Root = Path.GetFullPath(root);

    /// <summary>The state folder itself.</summary>
    public string Root { get; }

    /// <summary><c>&lt;root&gt;/logs</c>: one <c>&lt;name&gt;.log</c> per process.</summary>
    public string Logs => Path.Combine(Root, "logs");

    /// <summary><c>&lt;root&gt;/pids</c>: one <c>&lt;name&gt;.pid</c> per running process.</summary>
    public string Pids => Path.Combine(Root, "pids");

    /// <summary><c>&lt;root&gt;/config</c>: rendered configuration files.</summary>
    public string Config => Path.Combine(Root, "config");

    /// <summary><c>&lt;root&gt;/secrets</c>: generated passwords and tokens.</summary>
    public string Secrets => Path.Combine(Root, "secrets");

    /// <summary>The file of the secret <paramref name="name"/> (one of <see cref="SecretNames"/>) in <see cref="Secrets"/>.</summary>
    public string SecretFile(string name) => Path.Combine(Secrets, name);

    /// <summary>The data folder of one service, <c>&lt;root&gt;/data/&lt;name&gt;</c>.</summary>
    public string Data(string name) => Path.Combine(Root, "data", name);

    /// <summary>The default log file of a process.</summary>
    public string LogFile(string name) => Path.Combine(Logs, name + ".log");

    /// <summary>The pid file of a process.</summary>
    public string PidFile(string name) => Path.Combine(Pids, name + ".pid");

    /// <summary>
    /// Creates a fresh, empty state folder under the system temp folder, readable and traversable by other
    /// users (services that run as their own user, such as PostgreSQL, need to reach their data folder).
    /// </summary>
    public static StackPaths CreateTemporary(string prefix = "thebot-")
    {
        var dir = Directory.CreateTempSubdirectory(prefix);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return new StackPaths(dir.FullName);
    }
}
