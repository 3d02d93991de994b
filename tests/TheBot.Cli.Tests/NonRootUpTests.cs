using System.Globalization;
using System.Text.Json;
using TheBot.Cli.Commands;
using TheBot.Cli.Local;
using TheBot.Stack;
using TheBot.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TheBot.Cli.Tests;

/// <summary>
/// <c>up</c> by a user who is not root (the CLI run as <c>nobody</c> when the tests are root, as the tests' own user
/// otherwise): PostgreSQL is initialised and run as that user, with no user switch and no chown, and the whole stack
/// comes up ready.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Stack)]
[Collection(TemporaryStack.Collection)]
public sealed class NonRootUpTests(ITestOutputHelper output) : OwnStackTest
{
    private const string Unprivileged = "nobody";

    private string _home = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _home = Directory.CreateDirectory(Path.Combine(Location.Paths.Root, "home")).FullName;
    }

    [Fact]
    public async Task Up_as_a_non_root_user_runs_PostgreSQL_as_that_user_and_the_stack_gets_ready_reported_in_one_json_document()
    {
        // The services are built here, by this user: the unprivileged CLI cannot write the repository's artifacts/.
        var build = new StringWriter();
        Assert.True(await UpCommand.BuildServicesAsync(new LocalStack(Location), build, CancellationToken.None), build.ToString());
        var user = Environment.IsPrivilegedProcess ? Unprivileged : null;
        if (user is not null)
        {
            // Everything in the state folder (the home folder made above too) belongs to the user.
            await UnixUser.ChownAsync(Location.Paths.Root, user);
        }

        var expectedUid = user is null ? UidOf(Environment.ProcessId) : UnixUser.Lookup(Unprivileged).Uid;

        // A checkout under a folder only root may enter (e.g. /root) is out of the user's reach; then the user keeps
        // the right to read files, nothing more: it still may not chown or switch users, which is what this test is about.
        var readAnyFile = user is not null && !await CanReadAsync(user, CliProcess.CliDll);
        output.WriteLine($"user {user ?? "(self)"}; needs CAP_DAC_READ_SEARCH to read the checkout: {readAnyFile}");
        // With --json, as a deploy script would run it: the progress goes to standard error, the result is one document.
        await using var cli = CliProcess.StartAs(user, _home, readAnyFile, "up", "--detach", "--no-build", "--json",
            "--state-dir", Location.Paths.Root, "--port-offset", Location.Ports.Offset.ToString(CultureInfo.InvariantCulture));
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(5));
        output.WriteLine(cli.Output);
        Assert.True(exit == 0, cli.Output);
        Assert.Contains("✓ postgresql ready", cli.Output, StringComparison.Ordinal);
        Assert.Contains("✓ prometheus ready", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("✓", cli.StandardOutput, StringComparison.Ordinal);

        var records = ProcessSupervisor.ReadPidFiles(Location.Paths);
        using (var document = JsonDocument.Parse(cli.StandardOutput))
        {
            var root = document.RootElement;
            Assert.Equal("up", root.GetProperty("verb").GetString());
            Assert.Equal(0, root.GetProperty("exit").GetInt32());
            Assert.True(root.GetProperty("ok").GetBoolean());
            var data = root.GetProperty("data");
            Assert.Equal(Location.Paths.Root, data.GetProperty("state_dir").GetString());
            Assert.Equal("single", data.GetProperty("topology").GetString());
            Assert.Equal(records.Select(r => r.Name).Order(StringComparer.Ordinal),
                data.GetProperty("started").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
            var prometheus = data.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("service").GetString() == "Prometheus");
            Assert.Equal($"http://127.0.0.1:{Location.Ports[ServiceNames.Prometheus]}", prometheus.GetProperty("url").GetString());
            Assert.Contains(root.GetProperty("messages").EnumerateArray(),
                m => m.GetProperty("level").GetString() == "ok" && m.GetProperty("text").GetString()!.StartsWith("stack running in the background", StringComparison.Ordinal));
        }

        Assert.All(records, r => Assert.True(r.IsRunning, $"{r.Name} is not running"));
        var postgres = records.Single(r => r.Name == ServiceNames.PostgreSql);
        Assert.Equal(expectedUid, UidOf(postgres.Pid));
        Assert.All(records, r => Assert.Equal(expectedUid, UidOf(r.Pid)));
        var dataOwner = new DirectoryInfo(Location.Paths.Data(ServiceNames.PostgreSql));
        Assert.True(dataOwner.Exists);
        Assert.Equal(expectedUid, OwnerUid(dataOwner.FullName));
    }

    private static async Task<bool> CanReadAsync(string user, string path)
    {
        var (executable, arguments) = UnixUser.Wrap(user, "/usr/bin/test", ["-r", path]);
        return (await CommandRunner.RunAsync(executable, arguments)).ExitCode == 0;
    }

    /// <summary>The real uid of a process (first field of <c>Uid:</c> in /proc/&lt;pid&gt;/status).</summary>
    private static int UidOf(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>The owner of a file, from <c>stat</c>.</summary>
    private static int OwnerUid(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/stat", ["-c", "%u", path]) { RedirectStandardOutput = true })!;
        var text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return int.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }
}
