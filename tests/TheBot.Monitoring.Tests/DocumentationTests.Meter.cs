using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using TheBot.Monitoring.Diagnostics;
using TheBot.Monitoring.Metrics;
using TheBot.Monitoring.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Monitoring.Tests;

public sealed partial class DocumentationTests
{
    [Fact]
    public async Task Every_application_metric_has_its_meter_instrument_documented_as_published()
    {
        await using var app = await TestApp.StartAsync(a => a.MapGet("/", () => "ok"));
        var registry = (MetricRegistry)app.Services.GetService(typeof(MetricRegistry))!;
        var docs = await File.ReadAllTextAsync(Repository.PathOf("docs/metrics.md"));
        var rows = MeterRow().Matches(docs).ToDictionary(m => m.Groups["family"].Value);

        foreach (var family in registry.Families)
        {
            Assert.True(rows.TryGetValue(family.Name, out var row), $"{family.Name} has no row in the meter table of docs/metrics.md");
            var published = InstrumentNames.For(family);
            var kind = row.Groups["kind"].Value switch
            {
                "ObservableCounter" => InstrumentKind.Counter,
                "ObservableUpDownCounter" => InstrumentKind.UpDownCounter,
                "ObservableGauge" => InstrumentKind.Gauge,
                "Histogram" => InstrumentKind.Histogram,
                var other => throw new InvalidOperationException($"unknown kind {other}"),
            };
            var attributes = Regex.Matches(row.Groups["attributes"].Value, "`([^`]+)`").Select(m => m.Groups[1].Value);
            Assert.Equal((published.Name, published.Unit, published.Kind), (row.Groups["instrument"].Value, row.Groups["unit"].Value, kind));
            Assert.Equal(published.Attributes, attributes);
        }

        var extra = rows.Keys.Except(registry.Families.Select(f => f.Name)).ToList();
        Assert.True(extra.Count == 0, "in the meter table but not a family: " + string.Join(", ", extra));
    }

    [GeneratedRegex(@"^\| `(?<family>thebot_[a-z_]+)` \| `(?<instrument>[a-z_.]+)` \| (?<kind>\w+)<\w+> \| `(?<unit>[^`]*)` \| (?<attributes>[^|]*) \|$", RegexOptions.Multiline)]
    private static partial Regex MeterRow();
}
