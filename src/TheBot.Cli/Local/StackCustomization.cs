using TheBot.Stack;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Local;

/// <summary>
/// The one extension point through which code other than the verbs changes what a <see cref="LocalStack"/> runs.
/// The detection tests use it to run the services as Staging, to scrape and evaluate at a compressed interval with
/// time-compressed rules, to point the real receivers at local sinks, to compress Alertmanager's and Prometheus'
/// waiting times and to switch the backend's fault switch on (tests/TheBot.Detection.Tests/DetectionCustomization.cs);
/// the HA tests to scrape every 5 s (tests/TheBot.Cli.Tests/HaStackFixture.cs). The verbs only ever use
/// <see cref="None"/>, which changes nothing: the product has no other way to run a stack than the one <c>up</c> runs.
/// </summary>
/// <remarks>
/// Each hook runs where the stack builds the thing it changes, so a customized stack is still started, restarted and
/// shown by the same code as the product's: <see cref="Spec"/> on every process spec <see cref="LocalStack.Specs"/>
/// returns, <see cref="Alertmanager"/> on alertmanager.yml after rendering and before it is written.
/// </remarks>
internal class StackCustomization
{
    /// <summary>Changes nothing.</summary>
    public static readonly StackCustomization None = new();

    /// <summary>ASPNETCORE_ENVIRONMENT of the backend and frontend; <c>up</c> runs them as Production.</summary>
    public string Environment { get; init; } = "Production";

    /// <summary>Global scrape and evaluation interval instead of prometheus.yml's; null keeps prometheus.yml's.</summary>
    public TimeSpan? ScrapeInterval { get; init; }

    /// <summary>Folder of (transformed) rule files Prometheus loads instead of monitoring/prometheus's; null keeps those.</summary>
    public string? RuleDirectory { get; init; }

    /// <summary>
    /// Receiver variables (<see cref="ConfigRenderer.ReceiverVariables"/>) used instead of the process environment and
    /// <c>.env.production</c>; null keeps those.
    /// </summary>
    public virtual IReadOnlyDictionary<string, string>? ReceiverVariables => null;

    /// <summary>Changes one process spec of <paramref name="stack"/> before it is started or shown.</summary>
    public virtual ProcessSpec Spec(ProcessSpec spec, LocalStack stack) => spec;

    /// <summary>Changes the rendered alertmanager.yml (every member reads the same file) before it is written.</summary>
    public virtual void Alertmanager(YamlMappingNode root)
    {
    }
}
