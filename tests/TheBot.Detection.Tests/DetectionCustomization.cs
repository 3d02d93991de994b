using System.Globalization;
using TheBot.Cli.Local;
using TheBot.Cli.Config;
using TheBot.Stack;
using YamlDotNet.RepresentationModel;

namespace TheBot.Detection.Tests;

/// <summary>
/// What the detection profile changes in the stack <c>up</c> starts, through the stack's one extension point: the real
/// receivers (rendered by render-config.sh) pointed at the local sinks, Alertmanager's timers and Prometheus'
/// re-send delay compressed like the rules, and the backend's fault switch on with its health probe as fast as the
/// compressed scrapes. None of it is a product setting.
/// </summary>
internal sealed class DetectionCustomization(
    TimeCompression compression,
    IReadOnlyDictionary<string, string> receivers,
    string pagerDutyUrl,
    string smtpCaFile,
    TimeSpan probeInterval) : StackCustomization
{
    /// <summary>The backend setting of its health probe's interval (<c>Monitoring:Health:ProbeInterval</c>).</summary>
    public const string ProbeIntervalVariable = "Monitoring__Health__ProbeInterval";

    /// <summary>
    /// The backend's health probe interval. It keeps thebot_health_component_up fresh: probing faster than Prometheus
    /// scrapes would gain nothing, slower would add seconds to BackendDatabaseUnreachable's time to page. The product
    /// default (5 s) stays a product default; only this profile sets it.
    /// </summary>
    public TimeSpan ProbeInterval => probeInterval;

    public override IReadOnlyDictionary<string, string> ReceiverVariables => receivers;

    public override ProcessSpec Spec(ProcessSpec spec, LocalStack stack)
    {
        if (stack.Topology.BackendNames.Contains(spec.Name))
        {
            return spec with
            {
                Environment = new Dictionary<string, string>(spec.Environment)
                {
                    ["Faults__Enabled"] = "true",
                    [ProbeIntervalVariable] = probeInterval.ToString("c", CultureInfo.InvariantCulture),
                },
            };
        }

        // Prometheus re-sends firing alerts only every resend-delay (1 m): a waiting time of the alert pipeline, scaled
        // like every other one (the first batch can be dropped before Alertmanager is discovered, and only the re-send
        // delivers it).
        if (stack.Prometheuses.Any(replica => replica.Name == spec.Name))
        {
            return spec with
            {
                Arguments = [.. spec.Arguments, $"--rules.alert.resend-delay={TimeCompression.FormatDuration(compression.Scale(TimeSpan.FromMinutes(1)))}"],
            };
        }

        return spec;
    }

    public override void Alertmanager(YamlMappingNode root)
    {
        foreach (var receiver in root.Seq("receivers")?.Children.OfType<YamlMappingNode>() ?? [])
        {
            foreach (var config in receiver.Seq("pagerduty_configs")?.Children.OfType<YamlMappingNode>() ?? [])
            {
                config.Set("url", pagerDutyUrl);
            }

            foreach (var config in receiver.Seq("email_configs")?.Children.OfType<YamlMappingNode>() ?? [])
            {
                config.Set("tls_config", new YamlMappingNode(new YamlScalarNode("ca_file"), new YamlScalarNode(smtpCaFile)));
            }
        }

        compression.ScaleAlertmanager(root);
    }
}
