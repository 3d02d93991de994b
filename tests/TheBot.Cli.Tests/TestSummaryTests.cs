using System.Diagnostics;
using System.Text.Json;
using TheBot.Cli.Commands;
using TheBot.Cli.TestRuns;
using Xunit;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>./thebot test</c>'s last line, <c>N passed, N failed, N skipped</c>: counted over every project's TRX file, with
/// a missing or unreadable results file counted as a failure that names it; and still the last line when the
/// wrapper cannot even start the CLI.
/// </summary>
public sealed class TestSummaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("thebot-summary-").FullName;

    [Fact]
    public void Summary_counts_passed_failed_and_skipped_over_projects_and_a_broken_results_file_as_a_failure()
    {
        var output = new StringWriter();
        var total = new TestCounts(0, 0, 0);
        total += TestCounts.ForProject("A.Tests", Trx("a.trx", passed: 7, failed: 1, notExecuted: 2, total: 10), exit: 1, output);
        total += TestCounts.ForProject("B.Tests", Trx("b.trx", passed: 3, failed: 0, notExecuted: 0, total: 3), exit: 0, output);
        var broken = Path.Combine(_dir, "c.trx");
        File.WriteAllText(broken, "<TestRun><ResultSummary><Counters passed=\"5\""); // cut off mid-write
        total += TestCounts.ForProject("C.Tests", broken, exit: 1, output);
        total += TestCounts.ForProject("D.Tests", Path.Combine(_dir, "absent.trx"), exit: 1, output);
        total += TestCounts.ForProject("E.Tests", Trx("e.trx", passed: 2, failed: 0, notExecuted: 0, total: 2), exit: 3, output);

        Assert.Equal("12 passed, 4 failed, 2 skipped", total.Summary);
        var text = output.ToString();
        Assert.Contains($"✗ C.Tests: results file {broken} is unreadable: ", text, StringComparison.Ordinal);
        Assert.Contains("✗ D.Tests: the test host produced no results file", text, StringComparison.Ordinal);
        Assert.Contains("✗ E.Tests: dotnet test exited 3 with no failed test", text, StringComparison.Ordinal);
        Assert.DoesNotContain("A.Tests", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interrupted_run_still_ends_with_the_summary()
    {
        var output = new StringWriter();
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync(); // as Ctrl+C does, before the build can finish
        var exit = await new System.CommandLine.RootCommand { TestCommand.Create() }.Parse(["test", "--project", "TheBot.Cli"])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = output }, interrupted.Token);

        var lines = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(130, exit);
        Assert.Equal("0 passed, 1 failed, 0 skipped", lines[^1]);
        Assert.StartsWith("✗ interrupted while ", lines[^2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_json_prints_the_summary_as_one_document_and_the_progress_on_standard_error()
    {
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync(); // the quickest complete run: it stops at the build and still reports
        var (exit, output, error) = await VerbInvoker.InvokeSplitAsync(["test", "--project", "TheBot.Cli", "--json"], interrupted.Token);

        Assert.Equal(130, exit);
        using var document = JsonDocument.Parse(output); // the whole output: nothing but the document
        var root = document.RootElement;
        Assert.Equal("test", root.GetProperty("verb").GetString());
        Assert.Equal(130, root.GetProperty("exit").GetInt32());
        var data = root.GetProperty("data");
        Assert.Equal((0, 1, 0), (data.GetProperty("passed").GetInt32(), data.GetProperty("failed").GetInt32(), data.GetProperty("skipped").GetInt32()));
        Assert.Equal(JsonValueKind.Array, data.GetProperty("projects").ValueKind);
        Assert.StartsWith("interrupted while ", data.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(data.GetProperty("reason").GetString(), Assert.Single(root.GetProperty("messages").EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal("0 passed, 1 failed, 0 skipped", error.TrimEnd('\n').Split('\n')[^1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the summary on standard error: standard output is for the JSON document alone
    public async Task Wrapper_without_dotnet_still_ends_with_the_summary(bool json)
    {
        var start = new ProcessStartInfo("/usr/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(CheckSupport.Root, "thebot"));
        start.ArgumentList.Add("test");
        if (json)
        {
            start.ArgumentList.Add("--json");
        }

        start.Environment.Clear();
        start.Environment["PATH"] = _dir; // no dotnet, no coreutils
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(127, process.ExitCode);
        Assert.Equal("0 passed, 1 failed", (json ? stderr : stdout).TrimEnd('\n').Split('\n')[^1]);
        Assert.Equal(json, stdout.Length == 0);
        Assert.Contains("'dotnet' is not on PATH", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A TRX file as dotnet test's trx logger writes it (namespace, ResultSummary/Counters).
    private string Trx(string name, int passed, int failed, int notExecuted, int total)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun id="00000000-0000-0000-0000-000000000001" name="fabricated" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <ResultSummary outcome="{(failed > 0 ? "Failed" : "Completed")}">
                <Counters total="{total}" executed="{total - notExecuted}" passed="{passed}" failed="{failed}" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="{notExecuted}" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
              </ResultSummary>
            </TestRun>
            """);
        return path;
    }
}
