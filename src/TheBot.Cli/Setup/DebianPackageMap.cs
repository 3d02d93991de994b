using TheBot.Cli.Local;

namespace TheBot.Cli.Setup;

/// <summary>
/// Which Debian package ships each binary the stack, its checks and its tests run: setup installs from it
/// (<see cref="DebianPackages"/>), and <c>check</c>, <c>doctor</c> and the tests name the package of a missing tool.
/// Each stack component declares its own binaries (its <c>Packages</c>, listed in <see cref="StackComponents.All"/>);
/// this map only joins them and adds the tools no component runs.
/// </summary>
public static class DebianPackageMap
{
    // Declared before Binaries, which is initialised from it (static initialisers run in textual order).
    /// <summary>Binaries that belong to no stack component: the load generator, check's validators, the tests' parser.</summary>
    public static IReadOnlyList<(string Binary, string Package)> Tools { get; } =
    [
        ("/usr/bin/wrk", "wrk"),
        ("/usr/bin/docker-compose", "docker-compose"),
        // check runs the entrypoint scripts through sh; Debian's sh is dash (essential, so always there).
        ("/bin/sh", "dash"),
        // The strict, independent OpenMetrics parser the exposition tests hold the library's output to.
        ("/usr/lib/python3/dist-packages/prometheus_client/openmetrics/parser.py", "python3-prometheus-client"),
    ];

    /// <summary>
    /// What only <c>./thebot test</c> needs, not the stack nor <c>doctor</c>: Native AOT's prerequisites on Linux (its
    /// compiler links with clang), for the test that publishes an app with it (NativeAotTests). Kept out of
    /// <see cref="Binaries"/> so that <c>up</c> does not install a C toolchain to run the stack.
    /// </summary>
    public static IReadOnlyList<(string Binary, string Package)> TestOnly { get; } =
    [
        ("/usr/bin/clang", "clang"),
        ("/usr/include/zlib.h", "zlib1g-dev"),
    ];

    /// <summary>Binary that proves the package is installed → the package that ships it: the components', then <see cref="Tools"/>.</summary>
    public static IReadOnlyList<(string Binary, string Package)> Binaries { get; } =
        [.. StackComponents.All.SelectMany(component => component.Packages), .. Tools];

    /// <summary>
    /// The package of <paramref name="binary"/>, given as a path (<c>/usr/bin/prometheus</c>) or a tool name found on
    /// PATH (<c>promtool</c>): the exact path first, else the same file name; null when no package is known.
    /// </summary>
    public static string? For(string binary) =>
        Binaries.FirstOrDefault(b => b.Binary == binary).Package
        ?? Binaries.FirstOrDefault(b => Path.GetFileName(b.Binary) == Path.GetFileName(binary)).Package;
}
