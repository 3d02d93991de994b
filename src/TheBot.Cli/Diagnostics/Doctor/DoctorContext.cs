using TheBot.Cli.Clients;
using TheBot.Cli.Options;
using TheBot.Cli.Local;
using TheBot.Stack;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>What every doctor check looks at: the stack as this state folder describes it, and clients of its servers.</summary>
internal sealed class DoctorContext
{
    public DoctorContext(StackLocation location)
    {
        Location = location;
        Stack = new LocalStack(location);
        Flags = StackOptions.StateFlags(location);
        Prometheus = new PrometheusClient(location.Url(ServiceNames.Prometheus));
        Alertmanager = new AlertmanagerClient(location.Url(ServiceNames.Alertmanager));
    }

    /// <summary>State folder and ports.</summary>
    public StackLocation Location { get; }

    /// <summary>The stack's specs, rendered configs and secrets.</summary>
    public LocalStack Stack { get; }

    /// <summary>The <c>--state-dir</c>/<c>--port-offset</c> flags a printed command needs to reach the same stack.</summary>
    public string Flags { get; }

    /// <summary>The (first) Prometheus.</summary>
    public PrometheusClient Prometheus { get; }

    /// <summary>The (first) Alertmanager.</summary>
    public AlertmanagerClient Alertmanager { get; }
}
