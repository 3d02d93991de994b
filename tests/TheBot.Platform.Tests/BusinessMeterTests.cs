using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TheBot.Api.Metrics;
using TheBot.Monitoring;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>
/// The platform's business families on the meter <c>TheBot.Monitoring</c>, as an OpenTelemetry pipeline sees them:
/// each with the unit its registration gives and the row docs/metrics.md has for it. No server: a host with the
/// library's registration and the platform's <see cref="BusinessMetrics"/>, listened to with a plain MeterListener.
/// </summary>
public sealed partial class BusinessMeterTests
{
    [Fact]
    public async Task Every_business_instrument_is_published_with_its_unit_and_documented_so()
    {
        var published = new Dictionary<string, string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == "TheBot.Monitoring")
                {
                    lock (published)
                    {
                        published[instrument.Name] = instrument.Unit;
                    }
                }
            },
        };
        listener.Start();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
        builder.AddTheBotMonitoring();
        builder.Services.AddTheBotMetrics<BusinessMetrics>();
        using var host = builder.Build();
        await host.StartAsync();
        _ = host.Services.GetRequiredService<BusinessMetrics>();
        await host.StopAsync();

        var docs = await File.ReadAllTextAsync(Repository.PathOf("docs/metrics.md"));
        var documented = PlatformMeterRow().Matches(docs).ToDictionary(m => m.Groups["instrument"].Value, m => m.Groups["unit"].Value);
        Dictionary<string, string> expected = new()
        {
            ["thebot.messages.sent"] = "{message}",
            ["thebot.assignments.submitted"] = "{submission}",
            ["thebot.payments.processed"] = "{payment}",
        };
        Assert.Equal(expected.OrderBy(p => p.Key), documented.OrderBy(p => p.Key));
        foreach (var (instrument, unit) in expected)
        {
            Assert.True(published.TryGetValue(instrument, out var actual), $"{instrument} was not published on TheBot.Monitoring");
            Assert.Equal(unit, actual);
        }
    }

    [GeneratedRegex(@"^\| `thebot_[a-z_]+` \(platform\) \| `(?<instrument>[a-z_.]+)` \| \w+<\w+> \| `(?<unit>[^`]*)` \|", RegexOptions.Multiline)]
    private static partial Regex PlatformMeterRow();
}
