using System.Text.RegularExpressions;

namespace TheBot.MonitoringConfig.Tests.Support;

/// <summary>
/// The two duration families that carry native buckets (MetricRegistry.DurationHistogram, docs/adr/0007): a
/// Prometheus with <c>--enable-feature=native-histograms</c> stores them with no <c>_bucket</c>/<c>_count</c>/<c>_sum</c>
/// series, so a query that reads those only must also read the native family (classic <c>or</c> native).
/// </summary>
public static partial class NativeTwins
{
    /// <summary>Names of the duration families whose classic series a query reads, in order, without duplicates.</summary>
    public static IReadOnlyList<string> ClassicReads(string expr) =>
        [.. Classic().Matches(expr).Select(m => m.Groups["family"].Value).Distinct()];

    /// <summary>True when <paramref name="expr"/> selects the native family itself (its bare name with a selector or range).</summary>
    public static bool ReadsNative(string expr, string family) =>
        Regex.IsMatch(expr, $@"(?<![\w:]){Regex.Escape(family)}\s*[{{\[]");

    /// <summary>The families a query reads only in the classic form: each one lacks its native twin.</summary>
    public static IReadOnlyList<string> Missing(string expr) => [.. ClassicReads(expr).Where(f => !ReadsNative(expr, f))];

    [GeneratedRegex(@"(?<family>thebot_(?:http_request|db_query)_duration_seconds)_(?:bucket|count|sum)\b")]
    private static partial Regex Classic();
}
