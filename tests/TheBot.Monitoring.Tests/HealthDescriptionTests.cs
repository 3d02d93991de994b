using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TheBot.Monitoring.Health;
using Xunit;

namespace TheBot.Monitoring.Tests;

/// <summary>The disk and memory components' descriptions read the same in every culture.</summary>
public sealed class HealthDescriptionTests
{
    [Theory]
    [InlineData(0.0, "0.0%")]
    [InlineData(0.1234, "12.3%")]
    [InlineData(0.12351, "12.4%")]
    [InlineData(0.9999, "100.0%")]
    [InlineData(1.0, "100.0%")]
    [InlineData(-0.5, "0.0%")]
    [InlineData(1.7, "100.0%")]
    public void A_ratio_is_a_percentage_with_one_decimal(double ratio, string expected) =>
        Assert.Equal(expected, Percent.Of(ratio));

    [Fact]
    public async Task Disk_and_memory_descriptions_ignore_the_current_culture()
    {
        var before = CultureInfo.CurrentCulture;
        // The test host runs in globalization-invariant mode (no named cultures), so a clone with de-DE's separators.
        var commaCulture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        commaCulture.NumberFormat.NumberDecimalSeparator = commaCulture.NumberFormat.PercentDecimalSeparator = ",";
        commaCulture.NumberFormat.PercentPositivePattern = 0; // "12,3 %"
        CultureInfo.CurrentCulture = commaCulture;
        try
        {
            var options = Options.Create(new MonitoringOptions());
            var context = new HealthCheckContext();
            var disk = await new DiskHealthCheck(options).CheckHealthAsync(context);
            var memory = await new MemoryHealthCheck(options).CheckHealthAsync(context);

            Assert.Matches(@"^\d{1,3}\.\d% free on ", disk.Description);
            Assert.Matches(@"^memory load \d{1,3}\.\d%$", memory.Description);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }
}
