using TheBot.Cli.Clients;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>One of the seed's Prometheus troubleshooting entries, as <see cref="PrometheusDiagnostics"/> reads it from Prometheus' API.</summary>
internal sealed class PrometheusDiagnosticCheck(
    DoctorContext context, string name, string fix, Func<PrometheusClient, CancellationToken, Task<(bool Ok, string Detail)>> diagnose) : IDoctorCheck
{
    /// <summary>"High Memory Usage" and "Slow Queries in Prometheus".</summary>
    public static IEnumerable<IDoctorCheck> Both(DoctorContext context) =>
    [
        new PrometheusDiagnosticCheck(context, "Prometheus memory: head series, resident memory, retention set", PrometheusDiagnostics.MemoryFix, PrometheusDiagnostics.MemoryAsync),
        new PrometheusDiagnosticCheck(context, "Prometheus queries fast: rule groups within their interval, a trivial query", PrometheusDiagnostics.SlowQueryFix, (prometheus, ct) => PrometheusDiagnostics.SlowQueriesAsync(prometheus, ct)),
    ];

    public string Name => name;

    public string Fix => fix;

    public Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken) => diagnose(context.Prometheus, cancellationToken);
}
