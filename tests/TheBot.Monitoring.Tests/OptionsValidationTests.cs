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
}
