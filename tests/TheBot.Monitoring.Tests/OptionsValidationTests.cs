using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Tests.Support;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>A bad setting stops the host from starting, with a message that names its configuration key.</summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Monitoring:Health:ProbeInterval", "00:00:00", "Monitoring:Health:ProbeInterval must be > 0" },
        { "Monitoring:Health:CheckTimeout", "-00:00:01", "Monitoring:Health:CheckTimeout must be > 0" },
        { "Monitoring:Health:DiskUnhealthyFreeRatio", "0.5", "Monitoring:Health:DiskUnhealthyFreeRatio (0.5) must not exceed DiskDegradedFreeRatio (0.1)" },
        { "Monitoring:Health:MemoryDegradedLoadRatio", "1.5", "Monitoring:Health:MemoryDegradedLoadRatio must be > 0 and at most 1" },
        { "Monitoring:SampleInterval", "00:00:00", "Monitoring:SampleInterval must be > 0" },
        { "Monitoring:MaxSeriesPerMetric", "0", "Monitoring:MaxSeriesPerMetric must be > 0" },
        { "Monitoring:BasePath", "api/system", "Monitoring:BasePath must start with '/'" },
        { "Monitoring:HttpDurationBuckets:0", "2", "Monitoring:HttpDurationBuckets must be finite bucket bounds in strictly ascending order" },
        { "Monitoring:Health:DiskPath", "/no/such/folder/for/thebot", "Monitoring:Health:DiskPath must name an existing folder; '/no/such/folder/for/thebot' is not one" },
        { "Monitoring:JobName", " ", "Monitoring:JobName must not be empty" },
        { "Monitoring:DistributedCacheName", "", "Monitoring:DistributedCacheName must not be empty" },
        { "Monitoring:BridgedMeters:7", " ", "Monitoring:BridgedMeters must list meter names; an entry is empty" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_fails_start_up_naming_its_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Monitoring:HttpDurationBuckets", StringComparison.Ordinal))
        {
            settings["Monitoring:HttpDurationBuckets:1"] = "1"; // 2 then 1: not ascending
        }

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = await TestApp.StartAsync(_ => { }, settings: settings, inMemory: true);
        });

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_failure_is_reported_at_once()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = await TestApp.StartAsync(_ => { }, inMemory: true, settings: new Dictionary<string, string?>
            {
                ["Monitoring:Health:ProbeInterval"] = "00:00:00",
                ["Monitoring:MaxSeriesPerMetric"] = "-1",
            });
        });

        Assert.Contains("Monitoring:Health:ProbeInterval", error.Message, StringComparison.Ordinal);
        Assert.Contains("Monitoring:MaxSeriesPerMetric", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bridged_meters_from_configuration_add_to_the_defaults_and_a_repeated_one_is_bridged_once()
    {
        await using var app = await TestApp.StartAsync(_ => { }, inMemory: true, settings: new Dictionary<string, string?>
        {
            ["Monitoring:BridgedMeters:0"] = "System.Runtime",
            ["Monitoring:BridgedMeters:1"] = "Microsoft.AspNetCore.Hosting",
        });

        var options = app.Services.GetRequiredService<IOptions<MonitoringOptions>>().Value;
        // The binder appends to a list that has items (as for every options list), so the defaults stay.
        Assert.Equal(["System.Runtime", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections", "Npgsql",
            "System.Runtime", "Microsoft.AspNetCore.Hosting"], options.BridgedMeters);

        // System.Runtime listed twice: each of its instruments once. Hosting listed: its request duration and active
        // requests are still left out (ours measure them), after a request that hosting recorded.
        await app.Client.GetAsync("/nothing-here");
        var text = await app.ScrapeAsync();
        var families = text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).ToList();
        Assert.Equal(families.Count, families.Distinct().Count());
        Assert.Contains(families, line => line.StartsWith("# TYPE dotnet_gc_collections_total ", StringComparison.Ordinal));
        Assert.DoesNotContain(families, line => line.StartsWith("# TYPE http_server_request_duration", StringComparison.Ordinal));
        Assert.DoesNotContain(families, line => line.StartsWith("# TYPE http_server_active_requests", StringComparison.Ordinal));
    }
}
