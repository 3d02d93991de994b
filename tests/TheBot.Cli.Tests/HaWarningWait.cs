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
internal sealed class HaWarningWait : StackCustomization
{
    /// <summary>The critical route's committed group_wait: the shortest wait the committed routes give a first notification.</summary>
    public static readonly TimeSpan GroupWait = TimeSpan.FromSeconds(10);

    public override void Alertmanager(YamlMappingNode root) =>
        SeverityRoute(root, "warning").Set("group_wait", $"{(int)GroupWait.TotalSeconds}s");

    /// <summary>The first top-level route of an alertmanager.yml whose matchers include <c>severity="<paramref name="severity"/>"</c>.</summary>
    public static YamlMappingNode SeverityRoute(YamlMappingNode root, string severity) =>
        root.Map("route")?.Seq("routes")?.Children.OfType<YamlMappingNode>()
            .FirstOrDefault(r => r.Seq("matchers")?.Children.OfType<YamlScalarNode>().Any(m => m.Value == $"severity=\"{severity}\"") == true)
        ?? throw new InvalidOperationException($"alertmanager.yml has no top-level route for severity=\"{severity}\"");
}
