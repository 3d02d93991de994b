using System.Diagnostics;
using System.Text;
using TheBot.Cli.Local;
using TheBot.Stack;

namespace TheBot.Cli.Tests;

/// <summary>
/// The built CLI (<c>thebot.dll</c> next to the tests) run as its own process, as <c>./thebot</c> runs it, so a test can
/// send it real signals (Ctrl+C is SIGINT) or kill it outright; its output (stdout and stderr) is collected as it comes.
/// </summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();

    private CliProcess(Process process)
    {
        _process = process;
        Identity = ProcessTree.Identify(process.Id) ?? new ProcessIdentity(process.Id, 0);
    }

    /// <summary>The CLI process.</summary>
    public ProcessIdentity Identity { get; }

    /// <summary>Everything it printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>What it printed on standard output alone so far (with <c>--json</c>: the document, and nothing else).</summary>
    public string StandardOutput
    {
        get
        {
            lock (_output)
            {
                return _standardOutput.ToString();
            }
        }
    }

    /// <summary>The CLI assembly the tests run.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "thebot.dll");

    /// <summary>Starts <c>thebot <paramref name="arguments"/></c> in the repository.</summary>
    public static CliProcess Start(params string[] arguments) => StartAs(null, null, arguments);

    /// <summary>
    /// Starts <c>thebot <paramref name="arguments"/></c> as the Unix user <paramref name="user"/> (through setpriv;
    /// null runs it as this process's user) with <c>HOME</c> at <paramref name="home"/> when given.
    /// </summary>
    public static CliProcess StartAs(string? user, string? home, params string[] arguments) => StartAs(user, home, readAnyFile: false, arguments);

    /// <summary>
    /// As <see cref="StartAs(string?, string?, string[])"/>; with <paramref name="readAnyFile"/> the user also keeps
    /// CAP_DAC_READ_SEARCH (read and search only: no chown, no user switch, no writes), for a checkout that lies
    /// under a folder only root may enter.
    /// </summary>
    public static CliProcess StartAs(string? user, string? home, bool readAnyFile, params string[] arguments) =>
        StartAs(user, home, readAnyFile, new Dictionary<string, string>(), arguments);

    /// <summary>Starts <c>thebot <paramref name="arguments"/></c> with <paramref name="environment"/> set on top of this process's.</summary>
    public static CliProcess StartWith(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        StartAs(null, null, readAnyFile: false, environment, arguments);

    private static CliProcess StartAs(string? user, string? home, bool readAnyFile, IReadOnlyDictionary<string, string> environment, string[] arguments)
    {
        var root = RepositoryRoot.Find();
        var (executable, wrapped) = UnixUser.Wrap(user, LocalStack.DotnetHost, [CliDll, .. arguments]);
        if (user is not null && readAnyFile)
        {
            wrapped.InsertRange(wrapped.IndexOf("--"), ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]);
        }

        // Through env --default-signal=INT,HUP (coreutils 8.31+), which execs in place (same pid): a test runner
        // started as a background job of a non-interactive shell (`… &`) passes SIGINT on as ignored, and one started
        // under nohup SIGHUP, and the CLI would then never see the tests' Ctrl+C or hang-up (the runtime keeps an
        // inherited SIG_IGN, which is what lets `nohup ./thebot up &` outlive a logout). A user's terminal ignores
        // neither; the tests must not depend on how they were launched.
        wrapped.InsertRange(0, ["--default-signal=INT,HUP", executable]);
        executable = "/usr/bin/env";
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = root,
        };
        wrapped.ForEach(info.ArgumentList.Add);
        info.Environment["THEBOT_ROOT"] = root;
        // The tests read ✓ and ✗: a UTF-8 locale whatever the runner's (a CI job with LANG=C would otherwise get the
        // ASCII fallback, TerminalText), unless a test asks for another one below.
        info.Environment["LANG"] = "C.UTF-8";
        info.Environment["LC_ALL"] = string.Empty;
        info.Environment["LC_CTYPE"] = string.Empty;
        info.Environment["THEBOT_ASCII"] = string.Empty;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        if (home is not null)
        {
            info.Environment["HOME"] = home;
            info.Environment["DOTNET_CLI_HOME"] = home;
        }

        var cli = new CliProcess(Process.Start(info)!);
        cli._process.OutputDataReceived += (_, e) => cli.Append(e.Data, standardOutput: true);
        cli._process.ErrorDataReceived += (_, e) => cli.Append(e.Data);
        cli._process.BeginOutputReadLine();
        cli._process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails with the output when it never does or the CLI exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || watch.Elapsed > timeout)
            {
                var why = _process.HasExited ? $"the CLI exited with {_process.ExitCode}" : $"{timeout.TotalSeconds:F0} s passed";
                throw new TimeoutException($"'{text}' never appeared ({why}); output:\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Sends a signal to the CLI process only (not to the stack it started).</summary>
    public void Signal(ProcessSignal signal) => ProcessTree.Signal(Identity, signal);

    /// <summary>Waits for the CLI to exit and returns its exit code; fails with the output after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the CLI did not exit within {timeout.TotalSeconds:F0} s; output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line, bool standardOutput = false)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (standardOutput)
            {
                _standardOutput.AppendLine(line);
            }
        }
    }
}
