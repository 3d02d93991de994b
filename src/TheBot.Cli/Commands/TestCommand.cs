using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using TheBot.Cli.Output;
using TheBot.Cli.Setup;
using TheBot.Cli.TestRuns;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot test</c>: installs what the tests need, builds, runs every test project and ends with the
/// plain summary line <c>N passed, N failed, N skipped</c> counted over all of them.
/// </summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var filter = new Option<string?>("--filter") { Description = "dotnet test filter expression, e.g. FullyQualifiedName~Exposition" };
        var project = new Option<string[]>("--project") { Description = "Run only these test projects (name without .Tests), e.g. --project TheBot.Monitoring", AllowMultipleArgumentsPerToken = true };
        var fast = new Option<bool>("--fast") { Description = "The inner loop: leave out the detection suite and the tests that start a whole stack or a real server or publish with Native AOT (trait Category=Stack, Category=RealServers, Category=Publish)" };
        var command = new Command("test", "Install what the tests need, build, and run every test project. With --json: the progress on standard error, then one JSON document (passed, failed, skipped, projects, reason). Exit codes: 0 every test passed; 1 a test, the build or the setup failed (the summary says which); 2 bad flags; 130 interrupted.") { filter, project, fast };
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var report = VerbReport.For(result);
            // With --json standard output holds the document alone: the build's and the tests' output go to standard error.
            var progress = report.Json ? result.InvocationConfiguration.Error : result.InvocationConfiguration.Output;
            var exit = await RunAsync(FastFilter(result.GetValue(filter), result.GetValue(fast)), result.GetValue(fast), result.GetValue(project) ?? [],
                progress, report, cancellationToken);
            return await report.EndAsync(exit);
        });
        return command;
    }

    /// <summary>The solution the full run builds (the fast loop builds a filter of it).</summary>
    private const string Solution = "TheBot.sln";

    /// <summary>The project that holds the detection suite (left out by <c>--fast</c>).</summary>
    private const string DetectionProject = "TheBot.Detection.Tests";

    /// <summary>The user's filter, narrowed by <c>--fast</c> to the tests that start no whole stack.</summary>
    internal static string? FastFilter(string? filter, bool fast) =>
        !fast ? filter
        : string.IsNullOrEmpty(filter) ? FastExclusions
        : $"({filter})&{FastExclusions}";

    /// <summary>What the fast loop leaves out: tests that start a whole stack or a real server (trait Category).</summary>
    private const string FastExclusions = "Category!=Stack&Category!=RealServers&Category!=Publish";

    /// <summary>Set to 1 for the test processes of <c>--fast</c>: a real server started by an untagged test then fails it.</summary>
    internal const string FastLoopVariable = "THEBOT_FAST_LOOP";

    /// <summary>
    /// The run, its progress and summary line on <paramref name="output"/>; the totals, each project's counts and the
    /// reason of a failure also go into <paramref name="report"/>'s data (its document with <c>--json</c>).
    /// </summary>
    private static async Task<int> RunAsync(string? filter, bool fast, string[] only, TextWriter output, VerbReport report, CancellationToken cancellationToken)
    {
        var total = new TestCounts(0, 0, 0);
        var perProject = new JsonArray();
        report.Set("projects", perProject);
        int Finish(TestCounts counts, string? reason, int exit = 1) => WriteSummary(output, report, counts, reason, exit);
        void Failure(string text) => Fail(output, report, text);

        var step = "starting";
        RunTempFolder? runTemp = null;
        try
        {
            var root = RepositoryRoot.Find();
            runTemp = RunTempFolder.Create();
            step = "installing the packages the tests need";
            if (!await DebianPackages.EnsureInstalledAsync(output, cancellationToken, forTests: true))
            {
                return Finish(total with { Failed = total.Failed + 1 }, "the packages the tests need are missing (above)");
            }

            step = "building " + Solution;
            // The fast loop builds what it runs: not the benchmarks, not the detection suite (artifacts/fast-loop.slnf).
            var build = fast ? FastLoopSolution.Write(root, Solution, new HashSet<string> { DetectionProject }) : Solution;
            output.WriteLine($"… building {Path.GetFileName(build)} (Release)");
            int built;
            try
            {
                built = await RunDotnetAsync(root, runTemp, ["build", build, "-c", "Release", "--nologo", "-clp:ErrorsOnly", UseCompilerServer], output, cancellationToken);
            }
            finally
            {
                await StopCompilerServerAsync(root, runTemp);
            }

            if (built != 0)
            {
                return Finish(total with { Failed = total.Failed + 1 }, "build failed (errors above)");
            }

            var projects = Directory.GetDirectories(Path.Combine(root, "tests"), "*.Tests")
                .Select(dir => Path.Combine(dir, Path.GetFileName(dir) + ".csproj"))
                .Where(File.Exists)
                .Where(p => !fast || Path.GetFileNameWithoutExtension(p) != DetectionProject)
                .Where(p => only.Length == 0 || only.Any(o => Path.GetFileNameWithoutExtension(p).Equals(o + ".Tests", StringComparison.OrdinalIgnoreCase)
                                                              || Path.GetFileNameWithoutExtension(p).Equals(o, StringComparison.OrdinalIgnoreCase)))
                // The detection suite last: it takes most of the run, so every other project reports first.
                .OrderBy(p => Path.GetFileNameWithoutExtension(p) == DetectionProject)
                .ThenBy(p => p, StringComparer.Ordinal)
                .ToList();

            string[] tempFolders = [Path.GetTempPath(), runTemp.Path];
            var before = LeftBehind.Snapshot(tempFolders);
            var resultsRoot = Path.Combine(root, "artifacts", "test-results");
            if (Directory.Exists(resultsRoot))
            {
                Directory.Delete(resultsRoot, recursive: true);
            }

            foreach (var testProject in projects)
            {
                step = "running " + Path.GetFileNameWithoutExtension(testProject);
                var watch = Stopwatch.StartNew();
                var counts = await RunProjectAsync(root, runTemp, testProject, resultsRoot, filter, fast, output, cancellationToken);
                perProject.Add(new JsonObject
                {
                    ["project"] = Path.GetFileNameWithoutExtension(testProject),
                    ["passed"] = counts.Passed,
                    ["failed"] = counts.Failed,
                    ["skipped"] = counts.Skipped,
                    ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds),
                });
                total += counts;
            }

            step = "looking for what the tests left behind";
            var left = await LeftBehind.SinceAsync(before, tempFolders, TimeSpan.FromSeconds(15));
            if (left.Count > 0)
            {
                Failure($"the tests left {left.Count} thing(s) behind; counted as one failure:");
                report.Set("left_behind", left);
                foreach (var line in left)
                {
                    output.WriteLine("  " + line);
                }

                total = total with { Failed = total.Failed + 1 };
            }
            else
            {
                output.WriteLine("  nothing left behind (no new thebot-* temp entry, /dev/shm entry or stack process)");
            }

            step = "deleting the run's temp folder";
            if (runTemp.Delete() is { } notDeleted)
            {
                Failure($"the run's temp folder {runTemp.Path} could not be deleted ({notDeleted}); counted as one failure");
                total = total with { Failed = total.Failed + 1 };
            }

            if (projects.Count == 0)
            {
                return Finish(total with { Failed = total.Failed + 1 }, $"no test project matched under {Path.Combine(root, "tests")}");
            }

            return Finish(total, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Finish(total with { Failed = total.Failed + 1 }, $"interrupted while {step}; counted as one failure", exit: 130);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return Finish(total with { Failed = total.Failed + 1 }, $"{step} failed: {exception.Message}");
        }
        finally
        {
            // After a failed build or an interruption too; a second delete after the one above finds nothing.
            runTemp?.Delete();
        }
    }

    /// <summary>
    /// Runs one test project (results as trx under <paramref name="resultsRoot"/>) and writes its summary line. The
    /// projects run one after another. Side by side (tried for the fast loop on a clean clone, 2026-12-02) they took
    /// 5 min 39 s against 5 min 57 s, within the noise between runs: promtool and the test hosts already keep both
    /// cores of this machine busy (1.8 cores on average), and interleaved output needed a file per project.
    /// </summary>
    private static async Task<TestCounts> RunProjectAsync(string root, RunTempFolder runTemp, string testProject, string resultsRoot, string? filter, bool fast, TextWriter output, CancellationToken cancellationToken)
    {
        var name = Path.GetFileNameWithoutExtension(testProject);
        var resultsDir = Path.Combine(resultsRoot, name);
        output.WriteLine($"… {name}");
        var watch = Stopwatch.StartNew();
        List<string> args = ["test", testProject, "-c", "Release", "--no-build", "--nologo",
            "--logger", $"trx;LogFileName={name}.trx", "--results-directory", resultsDir];
        if (!string.IsNullOrEmpty(filter))
        {
            args.AddRange(["--filter", filter]);
        }

        var exit = await RunDotnetAsync(root, runTemp, args, output, cancellationToken, fast);
        var counts = TestCounts.ForProject(name, Path.Combine(resultsDir, name + ".trx"), exit, output);
        output.WriteLine($"  {name}: {counts.Passed} passed, {counts.Failed} failed, {counts.Skipped} skipped ({watch.Elapsed.TotalSeconds:F0} s)");
        return counts;
    }

    /// <summary>
    /// Writes the reason (when there is one) and then the summary, always the last line, and puts both into
    /// <paramref name="report"/>; returns the exit code.
    /// </summary>
    private static int WriteSummary(TextWriter output, VerbReport report, TestCounts total, string? reason, int exit)
    {
        if (reason is not null)
        {
            Fail(output, report, reason);
        }

        output.WriteLine(total.Summary);
        report.Set("passed", total.Passed);
        report.Set("failed", total.Failed);
        report.Set("skipped", total.Skipped);
        report.Set("reason", reason);
        return total.Failed == 0 && total.Passed > 0 ? 0 : exit;
    }

    /// <summary>
    /// A failure of the run: its ✗ line among the progress and, with <c>--json</c>, a message of the document (for
    /// people the line already is the message).
    /// </summary>
    private static void Fail(TextWriter output, VerbReport report, string text)
    {
        output.WriteLine("✗ " + text);
        if (report.Json)
        {
            report.Fail(text.TrimEnd(':'));
        }
    }

    /// <summary>
    /// The build compiles through the C# compiler server even where the environment turns it off
    /// (<c>UseSharedCompilation=false</c>, as on this project's CI machine): one warm compiler for every project instead
    /// of a new one per project halved the fast loop's build on a clean clone (52–62 s → 32–34 s, ADR 0018).
    /// </summary>
    private const string UseCompilerServer = "-p:UseSharedCompilation=true";

    /// <summary>
    /// Stops the compiler server the build started, so that it does not outlive the build: the tests look for processes
    /// left behind, and a server idles for minutes before it stops by itself. Its output is not the run's. It finds the
    /// server through the run's temp folder, where the build made the server's pipe.
    /// </summary>
    private static Task StopCompilerServerAsync(string root, RunTempFolder runTemp) =>
        CommandRunner.RunAsync("dotnet", ["build-server", "shutdown", "--vbcscompiler"],
            new CommandOptions { WorkingDirectory = root, Timeout = TimeSpan.FromSeconds(30), Environment = runTemp.Environment });

    /// <summary>
    /// Runs dotnet with the run's temp folder (and the fast loop's variable), its output line by line on
    /// <paramref name="output"/> as it comes.
    /// </summary>
    private static async Task<int> RunDotnetAsync(string root, RunTempFolder runTemp, IEnumerable<string> arguments, TextWriter output, CancellationToken cancellationToken, bool fast = false)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root };
        foreach (var (name, value) in runTemp.Environment)
        {
            start.Environment[name] = value;
        }

        if (fast)
        {
            start.Environment[FastLoopVariable] = "1";
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var exit = await StreamedCommand.RunAsync(start, output, cancellationToken);
        // Ctrl+C reaches the child too, which may exit first: still report the interruption, not a failed project.
        cancellationToken.ThrowIfCancellationRequested();
        return exit;
    }
}
