using System.CommandLine;
using System.Diagnostics;
using System.Xml.Linq;
using TheBot.Cli.Setup;

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
        var command = new Command("test", "Install what the tests need, build, and run every test project.") { filter, project };
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(filter), result.GetValue(project) ?? [], cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? filter, string[] only, CancellationToken cancellationToken)
    {
        var root = RepositoryRoot.Find();
        var output = Console.Out;

        if (!await DebianPackages.EnsureInstalledAsync(output, cancellationToken))
        {
            output.WriteLine("0 passed, 1 failed");
            return 1;
        }

        output.WriteLine("… building TheBot.sln (Release)");
        if (await RunDotnetAsync(root, ["build", "TheBot.sln", "-c", "Release", "--nologo", "-clp:ErrorsOnly"], cancellationToken) != 0)
        {
            output.WriteLine("✗ build failed (errors above)");
            output.WriteLine("0 passed, 1 failed");
            return 1;
        }

        var projects = Directory.GetDirectories(Path.Combine(root, "tests"), "*.Tests")
            .Select(dir => Path.Combine(dir, Path.GetFileName(dir) + ".csproj"))
            .Where(File.Exists)
            .Where(p => only.Length == 0 || only.Any(o => Path.GetFileNameWithoutExtension(p).Equals(o + ".Tests", StringComparison.OrdinalIgnoreCase)
                                                          || Path.GetFileNameWithoutExtension(p).Equals(o, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .ToList();

        var resultsRoot = Path.Combine(root, "artifacts", "test-results");
        if (Directory.Exists(resultsRoot))
        {
            Directory.Delete(resultsRoot, recursive: true);
        }

        var total = new TestCounts(0, 0, 0);
        foreach (var testProject in projects)
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

            var exit = await RunDotnetAsync(root, args, cancellationToken);
            var counts = TestCounts.FromTrx(Path.Combine(resultsDir, name + ".trx"));
            if (counts is null)
            {
                output.WriteLine($"✗ {name}: the test host produced no results (exit {exit}); counted as one failure");
                counts = new TestCounts(0, 1, 0);
            }
            else if (exit != 0 && counts.Failed == 0)
            {
                output.WriteLine($"✗ {name}: dotnet test exited {exit} with no failed test; counted as one failure");
                counts = counts with { Failed = 1 };
            }

            output.WriteLine($"  {name}: {counts.Passed} passed, {counts.Failed} failed, {counts.Skipped} skipped ({watch.Elapsed.TotalSeconds:F0} s)");
            total += counts;
        }

        output.WriteLine($"{total.Passed} passed, {total.Failed} failed, {total.Skipped} skipped");
        return total.Failed == 0 && total.Passed > 0 ? 0 : 1;
    }

    private static async Task<int> RunDotnetAsync(string root, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return process.ExitCode;
    }

    private sealed record TestCounts(int Passed, int Failed, int Skipped)
    {
        public static TestCounts operator +(TestCounts a, TestCounts b) =>
            new(a.Passed + b.Passed, a.Failed + b.Failed, a.Skipped + b.Skipped);

        /// <summary>Reads the ResultSummary counters of a Visual Studio TRX file; null when there is none.</summary>
        public static TestCounts? FromTrx(string path)
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var counters = XDocument.Load(path).Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters");
            if (counters is null)
            {
                return null;
            }

            int Read(string attribute) => int.TryParse(counters.Attribute(attribute)?.Value, out var value) ? value : 0;
            var failed = Read("failed") + Read("error") + Read("timeout") + Read("aborted");
            return new TestCounts(Read("passed"), failed, Read("notExecuted"));
        }
    }
}
