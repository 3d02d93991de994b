using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TheBot.Hosting;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>
/// <c>Limits</c> and <c>Logging:File</c> are checked when a service starts: a bad value fails start-up with a message
/// naming its key and the allowed range, where a negative body limit once made Kestrel throw without naming it and 0
/// answered every request with a body 413.
/// </summary>
public sealed class ServiceDefaultsValidationTests
{
    private static async Task StartAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults("http://127.0.0.1:0");
        await using var app = builder.Build();
        await app.StartAsync();
        await app.StopAsync();
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    public async Task A_request_body_limit_below_one_byte_fails_start_up_naming_the_setting(string limit)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["Limits:MaxRequestBodyBytes"] = limit }));

        Assert.Contains($"Limits:MaxRequestBodyBytes must be between 1 and {long.MaxValue} (bytes); it is {limit}.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_file_log_settings_fail_start_up_naming_each_setting_and_good_ones_start()
    {
        var folder = Directory.CreateTempSubdirectory("thebot-filelog-").FullName;
        try
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
            {
                ["Logging:File:Path"] = folder,
                ["Logging:File:FileName"] = "../escape",
                ["Logging:File:MaxFileSizeBytes"] = "0",
                ["Logging:File:MaxRotatedFiles"] = "-1",
            }));

            Assert.Contains($"Logging:File:MaxFileSizeBytes must be between 1024 and {long.MaxValue} (bytes); it is 0.", error.Message, StringComparison.Ordinal);
            Assert.Contains("Logging:File:MaxRotatedFiles must be between 0 and 1000; it is -1.", error.Message, StringComparison.Ordinal);
            Assert.Contains("Logging:File:FileName must be a file name without a folder; it is '../escape'.", error.Message, StringComparison.Ordinal);

            await StartAsync(new()
            {
                ["Logging:File:Path"] = folder,
                ["Logging:File:FileName"] = "svc",
                ["Logging:File:MaxFileSizeBytes"] = "1024",
                ["Logging:File:MaxRotatedFiles"] = "0",
                ["Limits:MaxRequestBodyBytes"] = "1",
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
