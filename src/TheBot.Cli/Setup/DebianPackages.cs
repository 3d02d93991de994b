using System.Diagnostics;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Setup;

/// <summary>
/// The Debian packages the stack and its tests run on, found by the binary each one ships.
/// Missing ones are installed when we are root; otherwise the exact apt-get line is printed.
/// </summary>
internal static class DebianPackages
{
    /// <summary>Binary that proves the package is installed → the package that ships it (<see cref="DebianPackageMap"/>).</summary>
    public static IReadOnlyList<(string Binary, string Package)> Required => DebianPackageMap.Binaries;

    public static IReadOnlyList<string> Missing(bool forTests = false) =>
        [.. Required.Concat(forTests ? DebianPackageMap.TestOnly : []).Where(r => !File.Exists(r.Binary)).Select(r => r.Package).Distinct()];

    public static string InstallLine(IEnumerable<string> packages) =>
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends " + string.Join(' ', packages);

    /// <summary>
    /// Installs what is missing (with <paramref name="forTests"/>, also <see cref="DebianPackageMap.TestOnly"/>). Returns
    /// false (after saying why) when that is not possible.
    /// </summary>
    public static async Task<bool> EnsureInstalledAsync(TextWriter output, CancellationToken cancellationToken, bool forTests = false)
    {
        var missing = Missing(forTests);
        if (missing.Count == 0)
        {
            return true;
        }

        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/apt-get"))
        {
            output.WriteLine($"✗ missing packages: {string.Join(", ", missing)} — this needs a Debian machine with apt-get.");
            return false;
        }

        if (Environment.UserName != "root")
        {
            output.WriteLine($"✗ missing packages: {string.Join(", ", missing)}. As root, run:");
            output.WriteLine($"    sudo sh -c '{InstallLine(missing)}'");
            return false;
        }

        output.WriteLine($"… installing {string.Join(", ", missing)} with apt-get");
        var ok = await RunAsync("apt-get", "update -q", output, cancellationToken) == 0
                 && await RunAsync("apt-get", "install -y -q --no-install-recommends " + string.Join(' ', missing), output, cancellationToken) == 0;
        var stillMissing = Missing(forTests);
        if (!ok || stillMissing.Count > 0)
        {
            output.WriteLine($"✗ apt-get could not install: {string.Join(", ", stillMissing)}. Try by hand: {InstallLine(stillMissing)}");
            return false;
        }

        output.WriteLine("✓ Debian packages installed");
        return true;
    }

    /// <summary>
    /// Runs apt-get with its progress on <paramref name="output"/> as it comes (a download can take minutes), and kills it
    /// with its children when the verb is cancelled, so Ctrl+C does not leave an apt-get holding the dpkg lock.
    /// </summary>
    private static Task<int> RunAsync(string file, string arguments, TextWriter output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file, arguments);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        return StreamedCommand.RunAsync(start, output, cancellationToken);
    }
}
