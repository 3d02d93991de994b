using System.Diagnostics;
using System.Text.RegularExpressions;
using TheBot.Cli.Config;
using TheBot.Cli.Local;
using TheBot.Testing.Sinks;
using YamlDotNet.RepresentationModel;

namespace TheBot.Detection.Tests;

/// <summary>The checks both detection suites make on notifications and on Prometheus/Alertmanager state; every wait comes from <see cref="DetectionTiming"/>.</summary>
internal static class AlertChecks
{
    /// <summary>Waits for a notification of <paramref name="alert"/> with <paramref name="status"/> on every delivery of its route (resolved ones only where the route sends them).</summary>
    public static async Task<Dictionary<string, Notification?>> WaitAllAsync(DetectionStack stack, string alert, string status, DateTimeOffset since, AlertCatalog.Route route, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var found = new Dictionary<string, Notification?>();
        foreach (var (kind, target) in route.Deliveries)
        {
            if (status == "resolved" && !route.SendResolved)
            {
                continue;
            }

            var left = deadline - DateTime.UtcNow;
            found[$"{kind}:{target}"] = await stack.Log.WaitForAsync(
                n => n.Kind == kind && n.Target == target && n.AlertName == alert && n.Status == status && n.ReceivedAt >= since,
                left < TimeSpan.Zero ? TimeSpan.Zero : left);
        }

        return found;
    }

    /// <summary>What is wrong with the payloads received: invalid for the real service, labels or summary or runbook not the rule's.</summary>
    public static IEnumerable<string> PayloadProblems(string alert, Dictionary<string, Notification?> notifications)
    {
        var rule = AlertCatalog.ProductionAlerts[alert];
        var labels = (YamlMappingNode)rule.Get("labels")!;
        var annotations = (YamlMappingNode)rule.Get("annotations")!;
        var summary = new Regex("^" + Regex.Replace(Regex.Escape(annotations.Text("summary")!), @"\\\{\\\{.*?}}", ".+") + "$");
        foreach (var (delivery, notification) in notifications)
        {
            if (notification is null)
            {
                continue;
            }

            if (!notification.Valid)
            {
                yield return $"{alert} via {delivery}: invalid payload: {string.Join("; ", notification.Problems)}";
            }

            foreach (var key in (string[])["severity", "component"])
            {
                var expected = labels.Text(key)!;
                var actual = notification.Labels.GetValueOrDefault(key, string.Empty);
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                {
                    yield return $"{alert} via {delivery}: label {key} is '{actual}', rule says '{expected}'";
                }
            }

            if (notification.Labels.GetValueOrDefault("cluster") != AlertCatalog.Cluster)
            {
                yield return $"{alert} via {delivery}: names cluster '{notification.Labels.GetValueOrDefault("cluster")}', its Prometheus is '{AlertCatalog.Cluster}'";
            }

            if (notification.Summary is null || !summary.IsMatch(notification.Summary))
            {
                yield return $"{alert} via {delivery}: summary '{notification.Summary}' does not match the rule's '{annotations.Text("summary")}'";
            }

            if (notification.RunbookUrl != annotations.Text("runbook_url"))
            {
                yield return $"{alert} via {delivery}: runbook '{notification.RunbookUrl}' is not the rule's '{annotations.Text("runbook_url")}'";
            }
        }
    }

    /// <summary>"slack:#x, email:y" with missing deliveries struck through.</summary>
    public static string Kinds(Dictionary<string, Notification?> got) =>
        string.Join(", ", got.Select(p => p.Value is null ? $"~~{p.Key}~~ missing" : p.Key));

    /// <summary>
    /// Waits (up to <see cref="DetectionTiming.ToFire"/>) for <paramref name="target"/> to fire in Prometheus while
    /// <paramref name="source"/> fires, then (after <see cref="DetectionTiming.ToDeliver"/>, the time a notification
    /// would need to leave) checks that Alertmanager holds it as suppressed by an inhibition and that no receiver got it
    /// since <paramref name="since"/>. Returns whether it was suppressed, the outcome for the report and, if not, the problem.
    /// </summary>
    public static async Task<(bool Suppressed, string Outcome, string? Problem)> InhibitionAsync(DetectionStack stack, string target, string source, DateTimeOffset since)
    {
        var deadline = DateTime.UtcNow + stack.Timing.ToFire(target);
        while (DateTime.UtcNow < deadline && !(await stack.PrometheusAlertsAsync()).Contains(target))
        {
            await Task.Delay(stack.Timing.Evaluation);
        }

        await Task.Delay(stack.Timing.ToDeliver(target));
        var state = await stack.AlertmanagerAlertAsync(target);
        var leaked = stack.Log.All.Where(n => n.ReceivedAt >= since && n.AlertName == target).ToList();
        if (state.Count == 0)
        {
            return (false, "not observed", $"inhibition: {target} never fired while {source} fired (nothing to inhibit)");
        }

        if (state.Any(s => s.State != "suppressed" || s.InhibitedBy.Count == 0) || leaked.Count > 0)
        {
            return (false, "FAILED", $"inhibition: {target} not suppressed by {source} (states {string.Join(",", state.Select(s => s.State))}, {leaked.Count} notifications)");
        }

        return (true, $"suppressed (Alertmanager state `suppressed`, inhibitedBy {source}; no notification)", null);
    }

    /// <summary>
    /// When <paramref name="alert"/> has been notified before, waits for its resolved notification (at most
    /// <see cref="DetectionTiming.ToResolve"/>), for Prometheus to stop re-sending the resolved alert
    /// (<see cref="DetectionTiming.PrometheusResolvedResend"/>) and then until Alertmanager has dropped the emptied group
    /// (group_interval + <see cref="DetectionTiming.AlertmanagerMaintenance"/>, with the margin): a new alert joining a group that
    /// still exists is sent at its next <c>group_interval</c> flush, not after <c>group_wait</c>, which would make a time
    /// to page meaningless. Returns how long it waited.
    /// </summary>
    public static async Task<TimeSpan> GroupClosedAsync(DetectionStack stack, string alert)
    {
        var waited = Stopwatch.StartNew();
        if (stack.Log.All.LastOrDefault(n => n.AlertName == alert) is not { } last)
        {
            return TimeSpan.Zero;
        }

        var resolved = last.Status == "resolved"
            ? last
            : await stack.Log.WaitForAsync(n => n.AlertName == alert && n.Status == "resolved" && n.ReceivedAt >= last.ReceivedAt, stack.Timing.ToResolve(alert));
        // The resolution reached the sinks after Prometheus resolved it, so counting the 15 minutes of re-sends from
        // there errs on the late side; the last re-send then empties the group at its next flush, and maintenance drops it.
        var closed = (resolved?.ReceivedAt ?? DateTimeOffset.UtcNow) + DetectionTiming.PrometheusResolvedResend
            + DetectionTiming.WithMargin(stack.Timing.Of(alert).GroupInterval + DetectionTiming.AlertmanagerMaintenance);
        if (closed > DateTimeOffset.UtcNow)
        {
            await Task.Delay(closed - DateTimeOffset.UtcNow);
        }

        return waited.Elapsed;
    }

    /// <summary>
    /// Waits until none of <paramref name="alerts"/> is pending or firing in Prometheus, at most the longest
    /// <see cref="DetectionTiming.ToClear"/> of those active now (an alert still active from an earlier fault would make
    /// the next time to notify meaningless). Returns how long it waited, which were active, and whether they cleared.
    /// </summary>
    public static async Task<(TimeSpan Waited, IReadOnlyList<string> Active, bool Cleared)> SettleAsync(DetectionStack stack, Func<string, bool> alerts)
    {
        var waited = Stopwatch.StartNew();
        var active = await ActiveAsync();
        if (active.Count == 0)
        {
            return (TimeSpan.Zero, active, true);
        }

        var bound = active.Max(stack.Timing.ToClear);
        while (waited.Elapsed < bound)
        {
            await Task.Delay(stack.Timing.Evaluation);
            if ((await ActiveAsync()).Count == 0)
            {
                return (waited.Elapsed, active, true);
            }
        }

        return (waited.Elapsed, active, false);

        async Task<IReadOnlyList<string>> ActiveAsync() =>
            [.. (await stack.PrometheusAlertsAsync("firing", "pending")).Where(a => AlertCatalog.ProductionAlerts.ContainsKey(a) && alerts(a)).Distinct()];
    }
}
