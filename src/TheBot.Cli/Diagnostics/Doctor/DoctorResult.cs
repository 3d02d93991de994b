namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>The outcome of one <see cref="IDoctorCheck"/>: its name, whether it passed, what was found, and the fix.</summary>
internal sealed record DoctorResult(string Name, bool Ok, string Detail, string Fix);
