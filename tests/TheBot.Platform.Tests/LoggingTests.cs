using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TheBot.Hosting;
using TheBot.Platform.Tests.Support;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>JSON log lines on stdout and in the rotating file.</summary>
[Collection(PlatformCollection.Name)]
public sealed class LoggingTests(FullPlatformFixture platform)
{
    [Fact]
    public async Task Backend_writes_json_lines_with_trace_ids_to_its_log_file()
    {
        var user = await platform.CreateUserAsync();
        await using (var socket = await ChatClient.ConnectAsync(platform.Url, "log-room", user))
        {
            await socket.CloseAsync();
        }

        var file = Path.Combine(platform.Backend.LogFolder, "thebot-backend.log");
        string[] lines = [];
        await TheBot.Testing.TestHttp.WaitUntilAsync(() =>
        {
            lines = File.Exists(file) ? ReadShared(file) : [];
            return Task.FromResult(lines.Any(l => l.Contains("chat socket opened in log-room", StringComparison.Ordinal)));
        }, TimeSpan.FromSeconds(5), () => $"no socket line in {file}");

        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            foreach (var field in new[] { "timestamp", "level", "category", "message", "service", "job" })
            {
                Assert.True(json.RootElement.TryGetProperty(field, out _), $"{field} missing in {line}");
            }
        }

        using var opened = JsonDocument.Parse(lines.First(l => l.Contains("chat socket opened in log-room", StringComparison.Ordinal)));
        Assert.Equal("info", opened.RootElement.GetProperty("level").GetString());
        Assert.Equal("thebot-backend", opened.RootElement.GetProperty("service").GetString());
        Assert.Matches("^[0-9a-f]{32}$", opened.RootElement.GetProperty("trace_id").GetString());
        Assert.True(opened.RootElement.TryGetProperty("request_id", out _));
        Assert.Equal("log-room", opened.RootElement.GetProperty("Room").GetString());
        Assert.Contains("\"service\":\"thebot-backend\"", platform.Backend.Output, StringComparison.Ordinal);

        // The shipper and the logs dashboard read these lines: every field they name must be in a real one.
        var shipped = ShippedFields();
        Assert.NotEmpty(shipped);
        foreach (var field in shipped)
        {
            Assert.True(opened.RootElement.TryGetProperty(field, out _), $"monitoring/alloy/config.alloy or the logs dashboard reads '{field}', which the backend does not write: {lines[0]}");
        }

        var alloy = File.ReadAllText(Path.Combine(Repository.Root, "monitoring", "alloy", "config.alloy"));
        Assert.Contains($"\"/var/log/thebot/{Path.GetFileName(file)}\"", alloy, StringComparison.Ordinal);
    }

    /// <summary>JSON fields the Alloy pipeline extracts (stage.json) and the logs dashboard prints ({{.field}}).</summary>
    private static IReadOnlySet<string> ShippedFields()
    {
        var alloy = File.ReadAllText(Path.Combine(Repository.Root, "monitoring", "alloy", "config.alloy"));
        var stage = alloy[alloy.IndexOf("stage.json", StringComparison.Ordinal)..];
        stage = stage[..stage.IndexOf("\n  }", StringComparison.Ordinal)];
        var fields = System.Text.RegularExpressions.Regex.Matches(stage, "= \"([A-Za-z_]+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        var dashboard = File.ReadAllText(Path.Combine(Repository.Root, "monitoring", "grafana", "dashboards", "thebot-logs.json"));
        fields.UnionWith(System.Text.RegularExpressions.Regex.Matches(dashboard, "\\{\\{\\.([A-Za-z_]+)\\}\\}").Select(m => m.Groups[1].Value)
            .Where(f => f != "exception")); // only present on lines that carry an exception
        return fields;
    }

    [Fact]
    public async Task File_logger_rotates_by_size_and_keeps_n_files()
    {
        var folder = Directory.CreateTempSubdirectory("thebot-logs-").FullName;
        try
        {
            var options = Options.Create(new RollingFileOptions { Path = folder, FileName = "svc", MaxFileSizeBytes = 2_000, MaxRotatedFiles = 2 });
            using (var provider = new RollingFileLoggerProvider(options, new LogIdentity("svc", "job")))
            {
                var logger = provider.CreateLogger("Test");
                for (var i = 0; i < 100; i++)
                {
                    logger.LogInformation("line {Number} with some padding to fill the file quickly", i);
                }
            }

            await Task.Delay(100);
            Assert.Equal(["svc.1.log", "svc.2.log", "svc.log"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.All(Directory.GetFiles(folder), f => Assert.True(new FileInfo(f).Length <= 2_000));
            Assert.Contains("line 99 ", File.ReadAllText(Path.Combine(folder, "svc.log")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string[] ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
