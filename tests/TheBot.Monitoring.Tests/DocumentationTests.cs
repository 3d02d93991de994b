using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed partial class DocumentationTests
{
    [Fact]
    public async Task Every_application_metric_is_documented_with_its_type_and_labels_and_nothing_else_is()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/", () => "ok"));
        var registry = (MetricRegistry)app.Services.GetService(typeof(MetricRegistry))!;
        var docs = await File.ReadAllTextAsync(Repository.PathOf("docs/metrics.md"));

        // The platform's business families have their own table: a plain app exports none of them.
        var platformStart = docs.IndexOf("### Platform business metrics", StringComparison.Ordinal);
        Assert.True(platformStart > 0, "docs/metrics.md has no platform business metrics section");
        var platformRows = DocRow().Matches(docs[platformStart..docs.IndexOf("\n## ", platformStart, StringComparison.Ordinal)]).Select(m => m.Groups["name"].Value).ToList();
        Assert.Equal(["thebot_messages_sent_total", "thebot_assignments_submitted_total", "thebot_payments_processed_total"], platformRows);
        Assert.Empty(platformRows.Intersect(registry.Families.Select(f => f.Name)));

        var rows = DocRow().Matches(docs[..platformStart]).ToDictionary(m => m.Groups["name"].Value, m => (Type: m.Groups["type"].Value, Labels: m.Groups["labels"].Value));

        foreach (var family in registry.Families)
        {
            Assert.True(rows.TryGetValue(family.Name, out var row), $"{family.Name} is not in docs/metrics.md");
            Assert.Equal(family.Type.ToString().ToLowerInvariant(), row.Type);
            var documented = row.Labels.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => l != "—");
            Assert.Equal(family.LabelNames, documented);
        }

        var extra = rows.Keys.Except(registry.Families.Select(f => f.Name)).ToList();
        Assert.True(extra.Count == 0, "documented but not exported: " + string.Join(", ", extra));
    }

    [GeneratedRegex(@"^\| `(?<name>thebot_[a-z_]+)` \| (?<type>counter|gauge|histogram) \| (?<labels>[^|]*) \|", RegexOptions.Multiline)]
    private static partial Regex DocRow();
}
