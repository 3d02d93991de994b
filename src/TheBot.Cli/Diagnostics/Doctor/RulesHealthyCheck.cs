namespace TheBot.Cli.Diagnostics.Doctor;

/// <summary>Prometheus has loaded rules and every one of them evaluates without error.</summary>
internal sealed class RulesHealthyCheck(DoctorContext context) : IDoctorCheck
{
    public string Name => "rules loaded and healthy";

    public string Fix => $"curl {context.Prometheus.BaseUrl}/api/v1/rules and read lastError; ./thebot check validates the rule files";

    public async Task<(bool Ok, string Detail)> ProbeAsync(CancellationToken cancellationToken)
    {
        var groups = (await context.Prometheus.GetAsync("/api/v1/rules", cancellationToken)).GetProperty("data").GetProperty("groups").EnumerateArray().ToList();
        var rules = groups.SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        var unhealthy = rules.Where(r => r.GetProperty("health").GetString() != "ok")
            .Select(r => $"{r.GetProperty("name").GetString()}: {(r.TryGetProperty("lastError", out var e) ? e.GetString() : "?")}").ToList();
        return (rules.Count > 0 && unhealthy.Count == 0, unhealthy.Count == 0 ? $"{rules.Count} rules in {groups.Count} groups, all ok" : string.Join("; ", unhealthy));
    }
}
