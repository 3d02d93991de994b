using System.Text.Json;
using TheBot.Stack;

namespace TheBot.Cli.Local;

/// <summary>
/// The HA topology's list of backend instances, in the two files that consumers watch instead of a hand-kept list:
/// Prometheus' <c>file_sd_configs</c> file (job <c>thebot-backend</c>) and the frontend's destinations file (YARP's
/// cluster). Both are replaced atomically (<see cref="AtomicFile"/>), so <c>./thebot scale</c> changes what is
/// scraped and load-balanced without restarting either.
/// </summary>
internal static class BackendTargets
{
    /// <summary>Prometheus' file_sd file: <c>&lt;state&gt;/config/backends.json</c>.</summary>
    public static string DiscoveryFile(StackPaths paths) => Path.Combine(paths.Config, "backends.json");

    /// <summary>The frontend's destinations file: <c>&lt;state&gt;/config/frontend-backends.json</c>.</summary>
    public static string FrontendFile(StackPaths paths) => Path.Combine(paths.Config, "frontend-backends.json");

    /// <summary>Writes both files for the instances of <paramref name="stack"/>'s topology.</summary>
    public static void Write(LocalStack stack)
    {
        var location = stack.Location;
        var names = stack.Topology.BackendNames;

        // file_sd: one target group; the `service` label the committed static config gives the backend, kept here.
        var groups = new[]
        {
            new Dictionary<string, object>
            {
                ["targets"] = names.Select(name => $"127.0.0.1:{location.Ports[name]}").ToArray(),
                ["labels"] = new Dictionary<string, string> { ["service"] = ServiceNames.Backend },
            },
        };
        AtomicFile.Write(DiscoveryFile(location.Paths), JsonSerializer.Serialize(groups));

        var destinations = names.ToDictionary(name => name, location.Url);
        AtomicFile.Write(FrontendFile(location.Paths), JsonSerializer.Serialize(
            new Dictionary<string, object> { ["Backend"] = new Dictionary<string, object> { ["Destinations"] = destinations } }));
    }
}
