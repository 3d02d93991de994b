using System.CommandLine;
using System.Text.Json.Nodes;
using TheBot.Cli.Clients;
using TheBot.Cli.Config;
using TheBot.Cli.Inbox;
using TheBot.Cli.Setup;
using TheBot.Cli.Local;
using TheBot.Cli.Local.Components;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot up</c>: installs what is missing, builds, renders configs, starts every process on loopback in
/// dependency order, waits on each readiness probe, prints the services table; Ctrl+C (or <c>down</c> after
/// <c>--detach</c>) stops all of it.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var detach = new Option<bool>("--detach") { Description = "Return once every service is ready; stop later with ./thebot down" };
        var noBuild = new Option<bool>("--no-build") { Description = "Use the services as last built" };
        var topology = new Option<string>("--topology")
        {
            Description = "single (default): one of each service; ha: several backends behind the frontend, two Prometheus replicas, a three-member Alertmanager cluster and VictoriaMetrics",
            DefaultValueFactory = _ => "single",
        };
        var backends = new Option<int?>("--backends")
        {
            Description = $"With --topology ha: how many backend instances (1-{StackTopology.MaxBackends}, default {StackTopology.DefaultHaBackends})",
        };
        var nativeHistograms = new Option<bool>("--native-histograms")
        {
            Description = "Run Prometheus with --enable-feature=native-histograms: it scrapes the protobuf exposition and stores the duration histograms as native (exponential) histograms; the rules and dashboards work in either mode (docs/adr/0007-native-histograms.md)",
        };
        var command = StackOptions.Create("up", "Start the whole stack on 127.0.0.1 and wait until every service is ready. With --detach --json: the progress on standard error, then one JSON document (services, started, state_dir). Exit codes: 0 ready; 1 it failed (the reason is printed); 2 bad flags (also --json without --detach); 130 interrupted.");
        command.Options.Add(detach);
        command.Options.Add(noBuild);
        command.Options.Add(topology);
        command.Options.Add(backends);
        command.Options.Add(nativeHistograms);
        VerbReport.AddJsonOption(command);
        // Flags that make no stack are errors of the line, found when it is parsed: refused (exit 2, a document with
        // --json) before the verb runs, so they make no state folder either.
        command.Validators.Add(line =>
        {
            int? backendCount;
            try
            {
                backendCount = line.GetValue(backends);
            }
            catch (InvalidOperationException)
            {
                return; // a --backends that is no number is refused by its own option, in the same report
            }

            if (ParseTopology(line.GetValue(topology), backendCount, out _) is { } error)
            {
                line.AddError(error);
            }
            else if (line.GetValue(VerbReport.JsonOption) && !line.GetValue(detach))
            {
                // A foreground up never ends on its own (it streams status lines until Ctrl+C), so no document would
                // ever be complete; the script that wants one starts detached and then asks status --json.
                line.AddError("--json needs --detach: a foreground up runs until Ctrl+C, so it has no document to print; " +
                    "use ./thebot up --detach --json, then ./thebot status --json and ./thebot down --json");
            }
        });
        command.SetAction(async (result, ct) =>
        {
            var report = VerbReport.For(result);
            _ = ParseTopology(result.GetValue(topology), result.GetValue(backends), out var chosen); // valid: the validator above refused the rest

            // With --json standard output holds the document alone: the progress (spinners, the table) goes to standard error.
            var progress = report.Json ? result.InvocationConfiguration.Error : result.InvocationConfiguration.Output;
            var exit = await RunAsync(StackOptions.Location(result), result.GetValue(detach), result.GetValue(noBuild), progress, ct,
                topology: chosen with { NativeHistograms = result.GetValue(nativeHistograms) }, report: report.Json ? report : null);
            return await report.EndAsync(exit);
        });
        return command;
    }

    /// <summary>
    /// The topology of <c>--topology</c> and <c>--backends</c>; returns the error to print (and leaves
    /// <paramref name="topology"/> single) when they make none.
    /// </summary>
    public static string? ParseTopology(string? name, int? backends, out StackTopology topology)
    {
        topology = StackTopology.Single;
        switch (name)
        {
            case "single" or null:
                return backends is null ? null : "--backends needs --topology ha (the single-node stack runs one backend)";
            case "ha":
                var count = backends ?? StackTopology.DefaultHaBackends;
                if (count is < 1 or > StackTopology.MaxBackends)
                {
                    return $"--backends {count} is out of range: 1 to {StackTopology.MaxBackends} backend instances (ports {PortPlan.Default[ServiceNames.Backend]}-{PortPlan.Default[ServiceNames.BackendInstance(StackTopology.MaxBackends)]} plus --port-offset)";
                }

                topology = StackTopology.Ha(count);
                return null;
            default:
                return $"--topology '{name}' is not a topology; use single or ha";
        }
    }

    /// <summary>
    /// How long Ctrl+C or SIGTERM may take to stop the stack before the process gives up: every process tree in turn,
    /// each with its clean-shutdown grace (10 s) and the kill that may follow (6 s), for about a dozen services.
    /// </summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How often the foreground status line is written.</summary>
    public static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(15);

    /// <summary>How many log lines are quoted when a service goes down while the stack runs.</summary>
    private const int CrashTailLines = 5;

    /// <summary>
    /// Starts the stack, writing the progress to <paramref name="output"/>. With a <paramref name="report"/> (<c>--json</c>)
    /// the failure, or the services table and what was started, also go into its document.
    /// </summary>
    public static async Task<int> RunAsync(StackLocation location, bool detach, bool noBuild, TextWriter output, CancellationToken cancellationToken,
        StackCustomization? customization = null, StackTopology? topology = null, VerbReport? report = null)
    {
        void Fail(string text)
        {
            output.WriteLine($"✗ {text}");
            report?.Fail(text);
        }

        // Pid files first: a stack that is still up (perhaps left by a crashed CLI) holds the ports, and "port in use"
        // would send the user to --port-offset instead of to `down`.
        if (CheckPidFiles(location, output) is { } running)
        {
            Fail(running);
            return 1;
        }

        // The committed Prometheus config before anything is installed or built: a file the render would refuse only
        // after the build is refused now, naming it, with what ./thebot check reports for it (one contract for both).
        topology ??= StackTopology.Single;
        try
        {
            _ = new ConfigRenderer(location.RepositoryRoot, location.Paths).LoadPrometheusSource(topology);
        }
        catch (ConfigException exception)
        {
            Fail(exception.Message);
            return 1;
        }

        // The next two write their own reasons (the apt-get line to run, the compiler's errors) to the progress; the
        // document names the step and points there.
        if (!await DebianPackages.EnsureInstalledAsync(output, cancellationToken))
        {
            report?.Fail("the Debian packages the stack needs are missing or could not be installed (the reason is on standard error)");
            return 1;
        }

        // The stack reads the committed Prometheus config as it is built (in HA, VictoriaMetrics deduplicates at its
        // scrape interval): checked above, but a file changed since is still refused here, as the render refuses one.
        LocalStack stack;
        try
        {
            stack = new LocalStack(location, customization, topology);
        }
        catch (ConfigException exception)
        {
            Fail(exception.Message);
            return 1;
        }

        // Busy ports before anything is built or rendered: a refused up leaves the state folder's configs, topology and
        // recorded port offset as they were. Checked again right before the processes start.
        try
        {
            Ports.EnsureFree(stack.Specs().SelectMany(s => s.Ports.Values.Select(p => (s.Name, p))), "--port-offset N");
        }
        catch (PortInUseException exception)
        {
            Fail(exception.Message);
            return 1;
        }

        if (!noBuild && !await BuildServicesAsync(stack, output, cancellationToken))
        {
            report?.Fail("building the services failed (the compiler's errors are on standard error)");
            return 1;
        }

        string mode;
        try
        {
            mode = await stack.RenderConfigsAsync(cancellationToken);
        }
        catch (ConfigException exception)
        {
            Fail(exception.Message);
            return 1;
        }
        catch (Exception exception) when (FileProblem.IsFileSystemError(exception))
        {
            // A file where a folder must be (or the reverse), a full disk: said as such, nothing has started yet.
            Fail($"cannot write the configs and secrets into {location.Paths.Root}: {FileProblem.Describe(exception)}");
            return 1;
        }

        output.WriteLine($"✓ configs rendered into {location.Paths.Config} (notifications: {mode})");
        var specs = stack.Specs();
        var supervisor = new ProcessSupervisor(location.Paths) { PortOverrideHint = "--port-offset N" };
        try
        {
            Ports.EnsureFree(specs.SelectMany(s => s.Ports.Values.Select(p => (s.Name, p))), "--port-offset N");
            foreach (var spec in specs)
            {
                await using var step = Spinner.Start(output, $"starting {spec.Name}" + (spec.Readiness is { } probe ? $", waiting for {probe.Description}" : string.Empty));
                await supervisor.StartAsync([spec], cancellationToken);
                await step.DoneAsync($"✓ {spec.Name} ready ({step.Elapsed.TotalSeconds:F1} s)");
            }

            await WaitForFirstScrapesAsync(stack, output, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            try
            {
                output.WriteLine();
                output.WriteLine("… interrupted, stopping what was started");
                report?.Fail("interrupted; what was started is stopped");
            }
            finally
            {
                // Interrupted by a hang-up, the terminal may be gone already (see below).
                await StopAsync(supervisor, Fail);
            }

            return 130;
        }
        catch (Exception exception)
        {
            // Whatever failed (a readiness probe, a busy port, a log or pid file that cannot be written, a process tree
            // that survived SIGKILL, a request that timed out), the processes this up started are stopped again: a
            // failed up leaves none running.
            try
            {
                output.WriteLine();
                Fail(exception is StackStartException ? exception.Message
                    : FileProblem.IsFileSystemError(exception) ? $"up failed: {FileProblem.Describe(exception)}"
                    : $"up failed: {exception.Message}");
            }
            finally
            {
                await StopAsync(supervisor, Fail);
            }

            return 1;
        }

        output.WriteLine();
        var table = ServiceTable.Rows(stack, supervisor.Running);
        ServiceTable.Print(output, table);
        output.WriteLine();
        if (detach)
        {
            var started = supervisor.Running;
            supervisor.Detach();
            var detached = $"stack running in the background; state in {location.Paths.Root}. Stop it with ./thebot down" + StackOptions.StateFlags(location);
            output.WriteLine(detached);
            if (report is not null)
            {
                report.Set("services", new JsonArray([.. table.Select(row => (JsonNode?)new JsonObject
                {
                    ["service"] = row.Service,
                    ["url"] = row.Url,
                    ["credentials"] = row.Credentials,
                })]));
                // Every process up started passed its readiness probe before up got here.
                report.Set("started", started);
                report.Set("state_dir", location.Paths.Root);
                report.Set("topology", stack.Topology.Name);
                report.Ok(detached);
            }

            return 0;
        }

        bool stopped;
        try
        {
            output.WriteLine("Ctrl+C stops everything.");
            await StreamStatusAsync(stack, supervisor, specs.Count, output, cancellationToken);
            output.WriteLine("… stopping");
        }
        finally
        {
            // After a hang-up the terminal is gone and writing to it fails (EIO): the stack goes down all the same.
            stopped = await StopAsync(supervisor, Fail);
        }

        if (!stopped)
        {
            return 1;
        }

        output.WriteLine("✓ stopped; data kept in " + location.Paths.Root);
        return 0;
    }

    /// <summary>
    /// Stops the stack this <c>up</c> started as a whole (<see cref="ProcessSupervisor.StopStackAsync"/>): every process
    /// <paramref name="supervisor"/> started, and a component restarted meanwhile by <c>./thebot restart</c> in its
    /// place, so that nothing is left running; false, with each one that could not be stopped passed to
    /// <paramref name="fail"/>, when some could not (the others are stopped all the same).
    /// </summary>
    private static async Task<bool> StopAsync(ProcessSupervisor supervisor, Action<string> fail)
    {
        try
        {
            await supervisor.StopStackAsync();
            return true;
        }
        catch (StackStopException exception)
        {
            exception.Failures.ToList().ForEach(failure => fail("could not stop " + failure));
            return false;
        }
        finally
        {
            await supervisor.DisposeAsync();
        }
    }

    /// <summary>
    /// The stack is ready only once Prometheus — every replica, in HA — has scraped every target successfully
    /// (<see cref="ScrapeReadiness"/>); a target still not up when the bounded wait ends fails the start like a
    /// readiness probe would, naming it.
    /// </summary>
    private static async Task WaitForFirstScrapesAsync(LocalStack stack, TextWriter output, CancellationToken cancellationToken)
    {
        var timeout = ScrapeReadiness.TimeoutFor(stack.Customization.ScrapeInterval);
        await using var step = Spinner.Start(output, "waiting until Prometheus has scraped every target once (query up)");
        var waits = stack.Prometheuses.Select(async replica =>
            (replica.Name, NotUp: await ScrapeReadiness.WaitAsync(new PrometheusClient(replica.Url), timeout, cancellationToken)));
        var failed = (await Task.WhenAll(waits)).Where(w => w.NotUp.Count > 0).ToList();
        if (failed.Count > 0)
        {
            throw new StackStartException(failed[0].Name,
                $"Prometheus has not scraped every target successfully within {timeout.TotalSeconds:F0} s; not up:\n  "
                + string.Join("\n  ", failed.SelectMany(f => f.NotUp.Select(n => stack.Prometheuses.Count > 1 ? $"{f.Name}: {n}" : n))));
        }

        await step.DoneAsync($"✓ Prometheus scraped every target ({step.Elapsed.TotalSeconds:F1} s)");
    }

    /// <summary>
    /// Refuses to start over a stack whose processes still run, and deletes the pid files of processes that are gone
    /// (saying so); returns why <c>up</c> must stop here, or null.
    /// </summary>
    private static string? CheckPidFiles(StackLocation location, TextWriter output)
    {
        var (live, removed, unreadable) = ProcessSupervisor.ClearStalePidFiles(location.Paths);
        foreach (var file in unreadable)
        {
            output.WriteLine($"! removed {file.Describe()}; nothing was stopped on its word");
        }

        if (live.Count > 0)
        {
            return $"the stack in {location.Paths.Root} is already running ({string.Join(", ", live.Select(r => $"{r.Name} pid {r.Pid}"))}); "
                + "stop it first with ./thebot down" + StackOptions.StateFlags(location);
        }

        if (removed.Count > 0)
        {
            output.WriteLine($"✓ removed stale pid files of {string.Join(", ", removed.Select(r => r.Name))} (their processes are gone: the last up did not stop cleanly)");
        }

        return null;
    }

    /// <summary>
    /// Every <see cref="StatusInterval"/> one line with the processes that really are alive and the inbox size; a
    /// service that went down is named once, with its log and the log's last lines.
    /// </summary>
    private static async Task StreamStatusAsync(LocalStack stack, ProcessSupervisor supervisor, int total, TextWriter output, CancellationToken cancellationToken)
    {
        var reported = new HashSet<string>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(StatusInterval, cancellationToken);
                var exited = supervisor.Exited;
                foreach (var spec in exited.Where(s => reported.Add(s.Name)))
                {
                    var log = supervisor.LogFileOf(spec);
                    output.WriteLine($"✗ {spec.Name} went down; its log: {log}");
                    foreach (var line in ProcessSupervisor.ReadLogTail(log, CrashTailLines).Split('\n'))
                    {
                        output.WriteLine("    " + line);
                    }
                }

                var inbox = NotificationInbox.ReadAll(stack.InboxDirectory);
                var down = exited.Count == 0 ? string.Empty : $" (down: {string.Join(", ", exited.Select(s => s.Name))})";
                var unreadable = inbox.UnreadableNote is { } note ? " · " + note : string.Empty;
                output.WriteLine($"{DateTime.Now:HH:mm:ss}  {total - exited.Count}/{total} processes running{down} · {inbox.Notifications.Count} notifications in the inbox{unreadable}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Builds the backend and frontend (<see cref="DotnetService.Projects"/>) into <see cref="LocalStack.ServicesBuild"/>; false (with the errors printed) when one fails.</summary>
    internal static async Task<bool> BuildServicesAsync(LocalStack stack, TextWriter output, CancellationToken cancellationToken)
    {
        foreach (var project in DotnetService.Projects)
        {
            await using var step = Spinner.Start(output, $"building {project}");
            var result = await CommandRunner.RunAsync("dotnet", DotnetService.BuildArguments(stack.Location.RepositoryRoot, stack.ServicesBuild, project),
                new CommandOptions { Timeout = TimeSpan.FromMinutes(10) }, cancellationToken);
            if (!result.Succeeded)
            {
                await step.DoneAsync($"✗ building {project} failed:\n{result.StandardOutput}{result.StandardError}");
                return false;
            }

            await step.DoneAsync($"✓ built {project} ({step.Elapsed.TotalSeconds:F1} s)");
        }

        return true;
    }
}
