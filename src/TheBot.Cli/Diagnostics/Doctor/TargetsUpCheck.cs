using TheBot.Cli.Local;

namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>Every active Prometheus target is up, and every job the rendered config scrapes has a target.</summary>
internal sealed class TargetsUpCheck(DoctorContext context) : IDoctorCheck
{
    public string Name => "every Prometheus target up";

    public string Fix => $"open {context.Prometheus.BaseUrl}/targets; curl the failing target; read its log in {context.Location.Paths.Logs}";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var targets = (await context.Prometheus.GetAsync("/api/v1/targets?state=active", cancellationToken)).GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
        var down = targets.Where(t => t.GetProperty("health").GetString() != "up")
            .Select(t => $"{t.GetProperty("labels").GetProperty("job").GetString()} ({t.GetProperty("scrapeUrl").GetString()}: {t.GetProperty("lastError").GetString()})").ToList();
        var jobs = targets.Select(t => t.GetProperty("labels").GetProperty("job").GetString()!).ToHashSet();
        var absent = ConfigRenderer.JobServices.Keys.Where(j => !jobs.Contains(j)).ToList();
        return (down.Count == 0 && absent.Count == 0 && targets.Count > 0,
            down.Count == 0 && absent.Count == 0 ? $"{targets.Count} targets up ({string.Join(", ", jobs.Order())})"
            : string.Join("; ", down.Concat(absent.Select(j => $"job {j} has no target"))));
    }
}
