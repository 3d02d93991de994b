using System.Text.Json;
using TheBot.Stack;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// State files cut short or edited by hand, seeded in a temp state folder without starting a stack. A pid file that
/// records no usable process (<c>null</c>, <c>{}</c>, not JSON, another service's name) is treated as no process
/// recorded — named by <c>status</c> and <c>doctor</c>, removed by <c>down</c>, never a reason to stop anything — and a
/// malformed <c>topology.json</c> is refused by the stack verbs that read it (exit 2, the file and what is wrong),
/// while <c>down</c> still runs; never an exception with a stack trace.
/// </summary>
public sealed class CorruptStateFileTests : IDisposable
{
    // Ports of this offset (5432+, 8000+, 9090+ … → 26000-33000) are below the ephemeral range and free on this machine.
    private const string Offset = "23456";

    private readonly StackPaths _paths = StackPaths.CreateTemporary("thebot-corrupt-");

    public CorruptStateFileTests() => Directory.CreateDirectory(_paths.Pids);

    public void Dispose() => Directory.Delete(_paths.Root, recursive: true);

    /// <summary>Pid files that name no process, with what the reader says is wrong.</summary>
    public static TheoryData<string, string, string> UnreadablePidFiles => new()
    {
        { "prometheus", "null", "it holds null, not a pid record" },
        { "redis", "{}", "no \"Name\"" },
        { "inbox", "{\"Name\":\"inbox\",\"Pi", "not a pid record: " },
        { "alertmanager", "{\"Name\":\"prometheus\",\"Pid\":1,\"StartTime\":0,\"Executable\":\"/bin/sh\",\"StopSignal\":15}", "it records \"prometheus\", not \"alertmanager\"" },
        { "backend", "{\"Name\":\"backend\",\"Pid\":0,\"Executable\":\"/bin/sh\",\"StopSignal\":15}", "\"Pid\" 0 is no process id" },
    };

    [Theory]
    [MemberData(nameof(UnreadablePidFiles))]
    public void An_unreadable_pid_file_is_reported_and_records_no_process(string service, string text, string reason)
    {
        File.WriteAllText(_paths.PidFile(service), text);

        var records = ProcessSupervisor.ReadPidFiles(_paths, out var unreadable);

        Assert.Empty(records);
        var only = Assert.Single(unreadable);
        Assert.Equal(_paths.PidFile(service), only.File);
        Assert.StartsWith(reason, only.Reason, StringComparison.Ordinal);
        Assert.True(File.Exists(_paths.PidFile(service)), "reading deletes nothing");
    }

    [Fact]
    public async Task Status_doctor_and_down_name_unreadable_pid_files_and_down_removes_them()
    {
        File.WriteAllText(_paths.PidFile("prometheus"), "null");
        File.WriteAllText(_paths.PidFile("redis"), "{}");

        var (statusExit, status, statusError) = await InvokeAsync("status");
        Assert.Equal(3, statusExit); // nothing runs
        Assert.Equal("", statusError);
        Assert.Contains($"pid file {_paths.PidFile("prometheus")} is unreadable (it holds null, not a pid record): no process recorded for prometheus", Warnings(status));
        Assert.Contains($"pid file {_paths.PidFile("redis")} is unreadable (no \"Name\"): no process recorded for redis", Warnings(status));

        var (doctorExit, doctor, _) = await InvokeAsync("doctor");
        Assert.Equal(1, doctorExit);
        Assert.Contains(_paths.PidFile("redis") + " is unreadable", doctor, StringComparison.Ordinal);

        var (downExit, down, _) = await InvokeAsync("down");
        Assert.Equal(0, downExit);
        Assert.Contains($"removed pid file {_paths.PidFile("redis")} is unreadable (no \"Name\"); nothing was stopped for redis", Warnings(down));
        Assert.Empty(Directory.EnumerateFiles(_paths.Pids));
    }

    [Theory]
    [InlineData("{\"topology\":\"ha\",\"bac", "not JSON: ")]
    [InlineData("null", "holds a JSON null, not an object with \"topology\"")]
    [InlineData("{}", "\"topology\" is not \"single\" or \"ha\"")]
    [InlineData("{\"topology\":\"ha\",\"backends\":99}", "\"topology\" is \"ha\" but \"backends\" is not a whole number from 1 to 9")]
    public async Task A_malformed_topology_json_exits_2_naming_the_file_and_what_is_wrong(string text, string problem)
    {
        var file = StackTopology.FileOf(_paths);
        File.WriteAllText(file, text);

        foreach (var verb in new[] { "status", "doctor", "test-alert", "backup" })
        {
            var (exit, output, error) = await VerbInvoker.InvokeSplitAsync([verb, "--state-dir", _paths.Root, "--port-offset", Offset]);

            Assert.Equal(2, exit);
            Assert.Equal("", output);
            var only = Assert.Single(error.TrimEnd('\n').Split('\n'));
            Assert.StartsWith($"✗ {file}: {problem}", only, StringComparison.Ordinal);
        }

        // down needs no topology: it stops from the pid files alone.
        var (downExit, _, _) = await InvokeAsync("down");
        Assert.Equal(0, downExit);
    }

    [Fact]
    public void A_topology_json_as_up_writes_it_loads()
    {
        StackTopology.Ha(3).Save(_paths);

        Assert.Equal(StackTopology.Ha(3), StackTopology.Load(_paths));
    }

    private Task<(int Exit, string Output, string Error)> InvokeAsync(string verb) =>
        VerbInvoker.InvokeSplitAsync([verb, "--json", "--state-dir", _paths.Root, "--port-offset", Offset]);

    /// <summary>The texts of the warnings of a verb's JSON document.</summary>
    private static List<string> Warnings(string output)
    {
        using var document = JsonDocument.Parse(output);
        return [.. document.RootElement.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("level").GetString() == "warn").Select(m => m.GetProperty("text").GetString()!)];
    }
}
