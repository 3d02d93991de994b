using System.Globalization;
using System.Text.RegularExpressions;

namespace TheBot.Testing;

/// <summary>Test-only edits of the committed alert_rules.yml text.</summary>
public static class AlertRules
{
    /// <summary>
    /// <paramref name="alertRules"/> with the <c>for:</c> of each named alert replaced by the given duration (whole
    /// seconds), every other byte unchanged: for tests that must see an alert fire within their own time, while the
    /// promtool unit tests prove the production <c>for</c> at its edges.
    /// </summary>
    /// <exception cref="InvalidOperationException">An alert is missing, or has no <c>for:</c>.</exception>
    public static string WithFor(string alertRules, IReadOnlyDictionary<string, TimeSpan> forByAlert)
    {
        foreach (var (alert, duration) in forByAlert)
        {
            var replaced = Regex.Replace(alertRules, $@"(- alert: {Regex.Escape(alert)}\n(?:(?!\s*- alert:).*\n)*?\s+for: )\S+",
                string.Create(CultureInfo.InvariantCulture, $"${{1}}{duration.TotalSeconds:F0}s"));
            if (replaced == alertRules)
            {
                throw new InvalidOperationException($"no 'for:' found for {alert} in alert_rules.yml");
            }

            alertRules = replaced;
        }

        return alertRules;
    }
}
