using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TheBot.Hosting;
using TheBot.Platform.Tests.Support;
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
