namespace TheBot.Stack;

/// <summary>
/// Declarative description of one long-running process of the stack: what to run, as whom, on which ports,
/// how to tell it is ready and what it waits for. A spec only describes; <see cref="ProcessSupervisor"/> runs it.
/// </summary>
/// <param name="Name">Service name, unique in a stack (also names the log and pid files), e.g. <c>postgresql</c>.</param>
/// <param name="Executable">Absolute path of the program.</param>
public sealed record ProcessSpec(string Name, string Executable)
{
    /// <summary>Command-line arguments, passed as they are (no shell).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Variables added to (or replacing those of) the supervisor's own environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Working folder; the state folder when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Unix user to run as (the supervisor drops privileges with <c>setpriv</c>); null runs as the caller.</summary>
    public string? RunAs { get; init; }

    /// <summary>Ports the process listens on, by purpose (e.g. <c>http</c> → 9090); all are checked free before start.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; init; } = new Dictionary<string, int>();

    /// <summary>How to tell the process is ready; null means "ready as soon as it runs".</summary>
    public ReadinessProbe? Readiness { get; init; }

    /// <summary>
    /// Where a person reaches it, as <c>status</c> shows it: a URL for HTTP services, <c>127.0.0.1:port</c> for the
    /// others (PostgreSQL, Redis); null means <c>http://127.0.0.1:</c> and its first port.
    /// </summary>
    public string? Address { get; init; }

    /// <summary>The address <c>status</c> shows: <see cref="Address"/>, else <c>http://127.0.0.1:</c> and its first port.</summary>
    public string ShownAddress => Address ?? (Ports.Count == 0 ? "—" : $"http://127.0.0.1:{Ports.Values.First()}");

    /// <summary>How <c>status</c> reads the version it runs once ready; null asks <c>Executable --version</c>.</summary>
    public VersionProbe? Version { get; init; }

    /// <summary>Names of the processes that must be ready before this one starts.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>How long the process may take to become ready.</summary>
    public TimeSpan ReadinessTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where stdout and stderr go (appended); <c>&lt;state&gt;/logs/&lt;name&gt;.log</c> when null.</summary>
    public string? LogFile { get; init; }

    /// <summary>One-time preparation (e.g. <c>initdb</c>) run before the first start only.</summary>
    public SetupStep? Setup { get; init; }

    /// <summary>Work done each time the process has become ready (e.g. create a database); a failure fails the start.</summary>
    public Func<CancellationToken, Task>? AfterReady { get; init; }

    /// <summary>Signal that asks the process to shut down cleanly (PostgreSQL: <see cref="ProcessSignal.Interrupt"/>).</summary>
    public ProcessSignal StopSignal { get; init; } = ProcessSignal.Terminate;

    /// <summary>How long a clean shutdown may take before the whole process tree is killed.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Debian package that provides <see cref="Executable"/>, named in the error when it is missing; each component
    /// names its own (null: none known, e.g. Loki or a test's program).
    /// </summary>
    public string? Package { get; init; }
}

/// <summary>A one-time preparation step of a <see cref="ProcessSpec"/>.</summary>
/// <param name="DoneMarker">Path whose existence means the step has already run (e.g. <c>PG_VERSION</c> in a data folder).</param>
/// <param name="RunAsync">The preparation itself; it must create <paramref name="DoneMarker"/> when it succeeds.</param>
public sealed record SetupStep(string DoneMarker, Func<CancellationToken, Task> RunAsync)
{
    /// <summary>True when <see cref="DoneMarker"/> exists.</summary>
    public bool IsDone => File.Exists(DoneMarker) || Directory.Exists(DoneMarker);
}
