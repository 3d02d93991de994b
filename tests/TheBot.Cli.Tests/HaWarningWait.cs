using TheBot.Cli.Checks;
using TheBot.Cli.Config;
using TheBot.Cli.Local;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Tests;

/// <summary>
/// The HA stack's one change to alertmanager.yml: the warning route waits <see cref="GroupWait"/> before its first
/// notification instead of the committed 1 m. Three HA steps prove that a warning reaches its receiver through the
/// cluster (a member killed, a replica drifted, two members hung); how long the route batches first is not what they
/// prove, and at 1 m each one idled a minute for it. The committed value keeps running where a warning's delivery time
/// is what is tested: the standard stack's warning test alert (StackVerbTests) and the detection suites, whose
/// Alertmanager timers are scaled from it.
/// </summary>
/// <remarks>
/// Which route an alert takes is Alertmanager's answer (<see cref="AlertmanagerRoutes"/>, amtool), not a walk of the
/// route tree here: matcher kinds, <c>continue</c> and the order of routes count exactly as the members count them.
/// This class only finds the top-level route that sends to the receiver amtool names, for its <c>group_wait</c>.
/// </remarks>
internal sealed class HaWarningWait : StackCustomization
{
    /// <summary>The critical route's committed group_wait: the shortest wait the committed routes give a first notification.</summary>
    public static readonly TimeSpan GroupWait = TimeSpan.FromSeconds(10);

    /// <summary>The alert name asked about when only the severity matters (no committed route matches on it).</summary>
    private const string AnyAlert = "HaWarningWaitProbe";

    public override void Alertmanager(YamlMappingNode root)
    {
        // amtool reads a file: the config as rendered so far goes to a temporary one. The hook is synchronous; the
        // amtool run is waited on from the thread pool, away from the test framework's synchronization context.
        var file = Path.Combine(Path.GetTempPath(), $"thebot-ha-routes-{Guid.NewGuid():N}.yml");
        try
        {
            Yaml.Save(root, file);
            var receiver = Task.Run(() => ReceiverAsync(file, AnyAlert, "warning")).GetAwaiter().GetResult();
            RouteTo(root, receiver).Set("group_wait", $"{(int)GroupWait.TotalSeconds}s");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The receiver and group_wait an alert <paramref name="alert"/> of <paramref name="severity"/> gets under
    /// <paramref name="configFile"/>: the receiver amtool routes it to, and the group_wait of the top-level route that
    /// sends there (the root's when that route sets none).
    /// </summary>
    public static async Task<(string Receiver, TimeSpan GroupWait)> RouteForAsync(string configFile, string alert, string severity)
    {
        var receiver = await ReceiverAsync(configFile, alert, severity);
        var root = Yaml.Load(configFile);
        var wait = RouteTo(root, receiver).Text("group_wait") ?? root.Map("route")?.Text("group_wait") ?? "30s";
        return (receiver, PrometheusDuration.Parse(wait));
    }

    /// <summary>The first receiver Alertmanager's routing picks for the alert (the one that notifies first).</summary>
    private static async Task<string> ReceiverAsync(string configFile, string alert, string severity) =>
        (await AlertmanagerRoutes.ReceiversAsync(configFile, new Dictionary<string, string> { ["alertname"] = alert, ["severity"] = severity }))[0];

    /// <summary>The top-level route that sends to <paramref name="receiver"/>; each committed top-level route has a receiver of its own.</summary>
    private static YamlMappingNode RouteTo(YamlMappingNode root, string receiver) =>
        root.Map("route")?.Seq("routes")?.Children.OfType<YamlMappingNode>().SingleOrDefault(r => r.Text("receiver") == receiver)
        ?? throw new InvalidOperationException($"alertmanager.yml has no single top-level route to the receiver '{receiver}' (the root's receiver gets the alert, or several routes share it)");
}
