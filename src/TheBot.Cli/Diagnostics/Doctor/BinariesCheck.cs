using TheBot.Cli.Setup;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>Every Debian package the stack runs on is installed (<see cref="DebianPackages"/>).</summary>
internal sealed class BinariesCheck : IDoctorCheck
{
    private readonly IReadOnlyList<string> _missing = DebianPackages.Missing();

    public string Name => "binaries installed";

    public string Fix => DebianPackages.InstallLine(_missing);

    public Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(
        (_missing.Count == 0, _missing.Count == 0 ? $"{DebianPackages.Required.Count} binaries present" : "missing packages: " + string.Join(", ", _missing)));
}
