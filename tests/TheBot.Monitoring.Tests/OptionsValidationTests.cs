using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
        // A bare number is days: "5" meant seconds, and readiness would have answered from one result for five days.
        { "Monitoring:Health:ProbeInterval", "5", "Monitoring:Health:ProbeInterval must be at most 01:00:00; it is 5.00:00:00. A bare number is days in .NET: write 00:00:05" },
        // Past PeriodicTimer's limit (~49.7 days): once an ArgumentOutOfRangeException naming no key, and an exit code 0.
        { "Monitoring:Health:ProbeInterval", "60", "Monitoring:Health:ProbeInterval must be at most 01:00:00; it is 60.00:00:00." },
        // Over Npgsql's 1024 s limit: once a database check that failed forever on its own timeout setting.
        { "Monitoring:Health:CheckTimeout", "00:20:00", "Monitoring:Health:CheckTimeout must be at most 00:01:00; it is 00:20:00." },
        { "Monitoring:SampleInterval", "60", "Monitoring:SampleInterval must be at most 01:00:00; it is 60.00:00:00." },
        { "Monitoring:SampleRetention", "2", "Monitoring:SampleRetention must be at most 1.00:00:00; it is 2.00:00:00." },
        { "Monitoring:BasePath", "/api/{system", "Monitoring:BasePath '/api/{system' is not a valid route pattern" },
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

        var error = await FailedStartAsync(settings);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_failure_is_reported_at_once()
    {
        var error = await FailedStartAsync(new Dictionary<string, string?>
        {
            ["Monitoring:Health:ProbeInterval"] = "00:00:00",
            ["Monitoring:MaxSeriesPerMetric"] = "-1",
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

    [Fact]
    public async Task The_longest_durations_allowed_still_start()
    {
        await using var app = await TestApp.StartAsync(_ => { }, inMemory: true, settings: new Dictionary<string, string?>
        {
            ["Monitoring:Health:ProbeInterval"] = "01:00:00",
            ["Monitoring:Health:CheckTimeout"] = "00:01:00",
            ["Monitoring:SampleInterval"] = "01:00:00",
            ["Monitoring:SampleRetention"] = "1.00:00:00",
        });

        Assert.Equal(TimeSpan.FromHours(1), app.Services.GetRequiredService<IOptions<MonitoringOptions>>().Value.Health.ProbeInterval);
    }

    [Fact]
    public async Task A_sample_interval_too_short_for_the_retention_fails_start_up_naming_both_keys_the_count_and_the_bound()
    {
        // Each one valid alone: 1 ms kept for a day was 86.4 million samples of every route template's totals.
        var error = await FailedStartAsync(new Dictionary<string, string?>
        {
            ["Monitoring:SampleInterval"] = "00:00:00.001",
            ["Monitoring:SampleRetention"] = "1.00:00:00",
        });

        Assert.Contains("Monitoring:SampleRetention (1.00:00:00) / Monitoring:SampleInterval (00:00:00.0010000) keeps 86,400,000 samples, "
            + "more than the 17,280 allowed", error.Message, StringComparison.Ordinal);
        Assert.Contains("set Monitoring:SampleInterval to at least 00:00:05 or Monitoring:SampleRetention to at most 00:00:17.2800000.",
            error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:05", "1.00:00:00")] // the bound itself: a day at the default interval
    [InlineData("00:00:00.2", "00:57:36")]
    public async Task As_many_samples_as_the_bound_still_start(string interval, string retention)
    {
        await using var app = await TestApp.StartAsync(_ => { }, inMemory: true, settings: new Dictionary<string, string?>
        {
            ["Monitoring:SampleInterval"] = interval,
            ["Monitoring:SampleRetention"] = retention,
        });

        var options = app.Services.GetRequiredService<IOptions<MonitoringOptions>>().Value;
        Assert.Equal(17_280, options.SampleRetention / options.SampleInterval, precision: 6);
    }

    [Fact]
    public async Task A_token_file_that_is_a_folder_fails_start_up_saying_so()
    {
        var folder = Directory.CreateTempSubdirectory("token-folder-");
        try
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            {
                await using var app = await TestApp.StartAsync(_ => { }, inMemory: true, settings: new Dictionary<string, string?>
                {
                    ["Monitoring:ScrapeToken"] = "",
                    ["Monitoring:ScrapeTokenFile"] = folder.FullName,
                });
            });

            Assert.Contains($"Monitoring:ScrapeTokenFile points to '{folder.FullName}', which is a folder, not a file", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete();
        }
    }

    [Fact]
    public async Task A_token_file_that_never_ends_a_line_fails_start_up_instead_of_hanging_it()
    {
        // /dev/zero answers every read and never ends a line: reading "the first line" would never return.
        var start = Task.Run(async () =>
        {
            await using var app = await TestApp.StartAsync(_ => { }, inMemory: true, settings: new Dictionary<string, string?>
            {
                ["Monitoring:ScrapeToken"] = "",
                ["Monitoring:ScrapeTokenFile"] = "/dev/zero",
            });
        });
        Assert.True(await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(30))) == start, "start-up still reading /dev/zero after 30 s");
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => start);
        Assert.Contains("Monitoring:ScrapeTokenFile '/dev/zero' holds no line within its first 4096 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_file_that_cannot_be_read_fails_start_up_naming_its_key()
    {
        // A file that exists and that nobody, root included (tests may run as root, whom chmod 000 does not stop), can
        // read from its start: reading offset 0 of the process's memory fails with EIO. Linux, as the suite is.
        const string unreadable = "/proc/self/mem";
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = await TestApp.StartAsync(_ => { }, inMemory: true, settings: new Dictionary<string, string?>
            {
                ["Monitoring:AdminToken"] = "",
                ["Monitoring:AdminTokenFile"] = unreadable,
            });
        });

        Assert.Contains($"Monitoring:AdminTokenFile '{unreadable}' cannot be read: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_keys_under_Monitoring_are_named_in_a_warning_at_start()
    {
        var logs = new CapturedLogs();
        await using var app = await TestApp.StartAsync(_ => { }, inMemory: true, afterMonitoring: builder => builder.Logging.AddProvider(logs),
            settings: new Dictionary<string, string?>
            {
                ["Monitoring:ScrapTokenFile"] = "/run/secrets/scrape-token",
                ["Monitoring:Health:ProbeIntreval"] = "00:00:01",
                ["Monitoring:Healt:CheckTimeout"] = "00:00:01",
                // Known ones, whatever their case, and the entries of a list: nothing to say.
                ["monitoring:jobname"] = "job",
                ["Monitoring:health:diskpath"] = "/",
                ["Monitoring:BridgedMeters:0"] = "System.Net.Http",
            });

        var warnings = logs.At(LogLevel.Warning);
        Assert.Equal(3, warnings.Count(w => w.Contains("is not a setting of TheBot.Monitoring", StringComparison.Ordinal)));
        Assert.Contains(warnings, w => w.StartsWith("Monitoring:ScrapTokenFile is not a setting", StringComparison.Ordinal) && w.Contains("ScrapeTokenFile", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("Monitoring:Health:ProbeIntreval is not a setting", StringComparison.Ordinal) && w.Contains("ProbeInterval", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("Monitoring:Healt is not a setting", StringComparison.Ordinal));
    }

    [Fact]
    public void The_known_keys_are_the_options_bindable_properties()
    {
        // Listed by hand for trimming's sake: a property added to the options without its key would be warned about.
        Assert.Equal(Bindable(typeof(MonitoringOptions)), MonitoringConfigurationKeys.Monitoring.Order());
        Assert.Equal(Bindable(typeof(HealthThresholds)), MonitoringConfigurationKeys.Health.Order());

        static IEnumerable<string> Bindable(Type options) =>
            options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }).Select(p => p.Name).Order();
    }

    /// <summary>Starts an app with <paramref name="settings"/> and returns the validation failure that stopped it.</summary>
    private static Task<OptionsValidationException> FailedStartAsync(Dictionary<string, string?> settings) =>
        Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = await TestApp.StartAsync(_ => { }, settings: settings, inMemory: true);
        });
}
