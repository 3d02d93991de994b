using System.Diagnostics;

namespace TheBot.Stack;

/// <summary>Options of <see cref="CommandRunner.RunAsync"/>.</summary>
public sealed record CommandOptions
{
    /// <summary>Kill the command (and its children) after this long; one minute by default.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Extra environment variables.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Working folder; the current one when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Unix user to run as (through <c>setpriv</c>); null runs as the caller.</summary>
    public string? RunAs { get; init; }

    /// <summary>Text written to stdin (then closed); stdin is empty when null.</summary>
    public string? StandardInput { get; init; }
}
