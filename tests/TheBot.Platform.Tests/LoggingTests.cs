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
[Trait(TestCategory.Name, TestCategory.RealServers)]
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

    [Fact]
    public async Task Every_output_line_of_both_services_is_json_and_request_lines_carry_the_requests_id()
    {
        // Backend: a duplicate e-mail is answered 409 and logged once, inside the request.
        var email = $"{Guid.NewGuid():N}@example.org";
        Assert.Equal(System.Net.HttpStatusCode.Created, (await platform.PostAsync("/api/users", new { name = "First", email })).Status);
        var backendRequestId = await RequestIdOfAsync(platform.Url + "/api/users", JsonSerializer.Serialize(new { name = "Second", email }), System.Net.HttpStatusCode.Conflict);

        // Frontend: a body over its limit is refused and logged there, without reaching the backend.
        var frontend = platform.Frontend!;
        var frontendRequestId = await RequestIdOfAsync(frontend.Url + "/api/users", "{\"name\": \"" + new string('a', 2 * 1024 * 1024) + "\"}", System.Net.HttpStatusCode.RequestEntityTooLarge);

        var backendLine = await WaitForLineAsync(Path.Combine(platform.Backend.LogFolder, "thebot-backend.log"), "refused a change");
        AssertRequestLine(backendLine, "thebot-backend", "info", backendRequestId);
        var frontendLine = await WaitForLineAsync(Path.Combine(frontend.LogFolder, "thebot-frontend.log"), "answered 413 without contacting the backend");
        AssertRequestLine(frontendLine, "thebot-frontend", "info", frontendRequestId);

        foreach (var service in new[] { platform.Backend, frontend })
        {
            // The console logger writes on its own thread: the request's line reaches stdout some time after the
            // file line above, later still on a loaded machine. Wait for it, then check every line so far.
            var requestId = service == frontend ? frontendRequestId : backendRequestId;
            await TestHttp.WaitUntilAsync(
                () => Task.FromResult(service.OutputLines().Any(l => l.Contains(requestId, StringComparison.Ordinal))),
                TimeSpan.FromSeconds(5), () => $"no stdout line of {service.Url} carries request id {requestId}");
            var lines = service.OutputLines();
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                try
                {
                    using var json = JsonDocument.Parse(line);
                    Assert.True(json.RootElement.TryGetProperty("level", out _), $"no level: {line}");
                }
                catch (JsonException exception)
                {
                    Assert.Fail($"stdout line of {service.Url} is not JSON ({exception.Message}): {line}");
                }
            }

        }
    }

    private async Task<string> RequestIdOfAsync(string url, string json, System.Net.HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await platform.Http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        Assert.True(response.Headers.TryGetValues(ServiceDefaults.RequestIdHeader, out var ids), $"{url} answered without {ServiceDefaults.RequestIdHeader}");
        return Assert.Single(ids);
    }

    private static async Task<JsonElement> WaitForLineAsync(string file, string text)
    {
        string? found = null;
        await TestHttp.WaitUntilAsync(() =>
        {
            found = File.Exists(file) ? ReadShared(file).LastOrDefault(l => l.Contains(text, StringComparison.Ordinal)) : null;
            return Task.FromResult(found is not null);
        }, TimeSpan.FromSeconds(5), () => $"no line with '{text}' in {file} (exists: {File.Exists(file)})");
        return JsonDocument.Parse(found!).RootElement.Clone();
    }

    private static void AssertRequestLine(JsonElement line, string service, string level, string requestId)
    {
        Assert.Equal(service, line.GetProperty("service").GetString());
        Assert.Equal(level, line.GetProperty("level").GetString());
        Assert.Matches("^[0-9a-f]{32}$", line.GetProperty("trace_id").GetString());
        Assert.Equal(requestId, line.GetProperty("request_id").GetString());
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

    [Fact]
    public async Task File_logger_survives_a_failed_rotation_and_says_how_many_lines_it_lost()
    {
        var folder = Directory.CreateTempSubdirectory("thebot-logs-").FullName;
        try
        {
            // A non-empty folder where the rotated file must go makes the rotation's move fail with an IOException.
            var blocker = Path.Combine(folder, "svc.1.log");
            Directory.CreateDirectory(blocker);
            File.WriteAllText(Path.Combine(blocker, "x"), "x");
            var options = Options.Create(new RollingFileOptions { Path = folder, FileName = "svc", MaxFileSizeBytes = 1_000, MaxRotatedFiles = 1 });
            using (var provider = new RollingFileLoggerProvider(options, new LogIdentity("svc", "job")))
            {
                var logger = provider.CreateLogger("Test");
                for (var i = 0; i < 20; i++)
                {
                    logger.LogInformation("before {Number} with some padding to fill the file quickly", i);
                }

                await Task.Delay(300);
                Directory.Delete(blocker, recursive: true);
                await Task.Delay(1_200); // the writer tries the file again at most once a second
                logger.LogInformation("after the disk came back");
                await Task.Delay(300);
            }

            var current = File.ReadAllText(Path.Combine(folder, "svc.log"));
            Assert.Contains("after the disk came back", current, StringComparison.Ordinal);
            Assert.Matches(@"""level"":""warning"".*\d+ log line\(s\) could not be written to .*svc\.log", current);
            Assert.All(current.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
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
