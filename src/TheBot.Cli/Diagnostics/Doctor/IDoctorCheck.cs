namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>
/// One line of <c>./thebot doctor</c>: what is checked, the fix printed when it fails, and the probe. A probe that
/// throws fails its line with the exception's message (<see cref="DoctorChecks.RunAsync"/>) rather than ending the run.
/// </summary>
internal interface IDoctorCheck
{
    /// <summary>What is checked, as printed.</summary>
    string Name { get; }

    /// <summary>What the operator does when the check fails.</summary>
    string Fix { get; }

    /// <summary>Runs the check: whether it passes, and what was found.</summary>
    Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken);
}
