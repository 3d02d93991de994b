namespace TheBot.Cli.Checks;

/// <summary>
/// Every alert in prometheus/alert_rules.yml carries what routing and on-call need: severity (critical = page,
/// warning = ticket; none for the alerts of <see cref="ForNoPerson"/>), a component, summary, description, runbook_url
/// <c>{RunbookBaseUrl}{Alert}.md</c>, and that runbook exists as <c>&lt;runbooks&gt;/{Alert}.md</c>.
/// </summary>
public sealed class AlertMetadataCheck : IMonitoringCheck
{
    /// <inheritdoc />
    public string Key => "alert-metadata";

    /// <summary>What the line says was checked.</summary>
    public const string Name = "alert labels, annotations, runbooks";

    /// <summary>
    /// Base of every alert's <c>runbook_url</c> annotation: <c>{RunbookBaseUrl}{AlertName}.md</c>. Change it here and in
    /// monitoring/prometheus/alert_rules.yml (and the promtool tests' expected annotations) together.
    /// </summary>
    public const string RunbookBaseUrl = "https://github.com/thebot-platform/thebot-monitoring/blob/main/docs/runbooks/";

    /// <summary>The allowed values of the <c>component</c> label (contract §7).</summary>
    public static readonly IReadOnlySet<string> Components =
        new HashSet<string>(StringComparer.Ordinal) { "backend", "frontend", "database", "cache", "system", "monitoring" };

    /// <summary>
    /// The alerts with severity <c>none</c>: they reach no person. The Watchdog goes to the dead man's switch; an
    /// inhibition source (DatabaseOutageRecent) goes to the receiver without integrations and only holds others back.
    /// Every other alert pages or tickets, so a <c>none</c> anywhere else is a mistake that would route it to the
    /// default receiver.
    /// </summary>
    public static readonly IReadOnlySet<string> ForNoPerson = new HashSet<string>(StringComparer.Ordinal) { "Watchdog", "DatabaseOutageRecent" };

    /// <inheritdoc />
    public Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken) =>
        CheckResult.ForYamlFile(context, context.Monitoring("prometheus", "alert_rules.yml"), Name, rules => Problems(rules, context));

    private static List<string> Problems(Dictionary<object, object> rules, CheckContext context)
    {
        var problems = new List<string>();
        var alerts = rules.At("groups").AsList().SelectMany(g => g.At("rules").AsList()).Where(r => r.At("alert") is not null).ToList();
        if (alerts.Count == 0)
        {
            problems.Add("no alerting rule");
        }

        foreach (var rule in alerts)
        {
            var alert = rule.At("alert")?.ToString() ?? "";
            var severity = rule.At("labels", "severity").AsText();
            if (severity is null)
            {
                problems.Add($"{alert}: label severity missing (critical = page, warning = ticket{(ForNoPerson.Contains(alert) ? ", none for an alert that reaches no person" : "")})");
            }
            else if (ForNoPerson.Contains(alert) ? severity != "none" : severity is not ("critical" or "warning"))
            {
                problems.Add($"{alert}: severity must be {(ForNoPerson.Contains(alert) ? "none" : "critical (page) or warning (ticket)")}, is '{severity}'");
            }

            var component = rule.At("labels", "component").AsText();
            if (component is null)
            {
                problems.Add($"{alert}: label component missing (one of {string.Join(", ", Components)})");
            }
            else if (!Components.Contains(component))
            {
                problems.Add($"{alert}: label component '{component}' is not one of {string.Join(", ", Components)}");
            }

            foreach (var key in new[] { "summary", "description" })
            {
                if (string.IsNullOrWhiteSpace(rule.At("annotations", key).AsText()))
                {
                    problems.Add($"{alert}: annotation {key} missing");
                }
            }

            var runbook = rule.At("annotations", "runbook_url").AsText();
            if (runbook is null)
            {
                problems.Add($"{alert}: annotation runbook_url missing (expected {RunbookBaseUrl}{alert}.md)");
            }
            else if (runbook != RunbookBaseUrl + alert + ".md")
            {
                problems.Add($"{alert}: runbook_url is {runbook}, expected {RunbookBaseUrl}{alert}.md");
            }

            var page = Path.Combine(context.RunbooksDir, alert + ".md");
            if (!File.Exists(page))
            {
                problems.Add($"{alert}: runbook {context.Display(page)} does not exist");
            }
        }

        return problems;
    }
}
