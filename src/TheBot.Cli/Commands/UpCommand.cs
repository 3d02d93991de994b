using System.CommandLine;
using System.Diagnostics;
using TheBot.Cli.Setup;
using TheBot.Cli.Stack;
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
        var command = StackOptions.Create("up", "Start the whole stack on 127.0.0.1 and wait until every service is ready.");
        command.Options.Add(detach);
        command.Options.Add(noBuild);
        command.SetAction((result, ct) => RunAsync(StackOptions.Location(result), result.GetValue(detach), result.GetValue(noBuild), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(StackLocation location, bool detach, bool noBuild, TextWriter output, CancellationToken cancellationToken, StackProfile? profile = null)
    {
        if (!await DebianPackages.EnsureInstalledAsync(output, cancellationToken))
        {
            return 1;
        }

        var stack = new LocalStack(location, profile);
        if (!noBuild && !await BuildServicesAsync(stack, output, cancellationToken))
        {
            return 1;
        }

        string mode;
        try
        {
            mode = await stack.RenderConfigsAsync(cancellationToken);
        }
        catch (ConfigException exception)
        {
            output.WriteLine($"✗ {exception.Message}");
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
                var watch = Stopwatch.StartNew();
                Progress(output, $"… {spec.Name}");
                await supervisor.StartAsync([spec], cancellationToken);
                Done(output, $"✓ {spec.Name} ready ({watch.Elapsed.TotalSeconds:F1} s)");
            }
        }
        catch (Exception exception) when (exception is StackStartException or PortInUseException)
        {
            output.WriteLine();
            output.WriteLine($"✗ {exception.Message}");
            await supervisor.DisposeAsync();
            return 1;
        }
        catch (OperationCanceledException)
        {
            output.WriteLine();
            output.WriteLine("… interrupted, stopping what was started");
            await supervisor.DisposeAsync();
            return 130;
        }

        output.WriteLine();
        ServiceTable.Print(output, ServiceTable.Rows(stack, supervisor.Running));
        output.WriteLine();
        if (detach)
        {
            supervisor.Detach();
            output.WriteLine($"stack running in the background; state in {location.Paths.Root}. Stop it with ./thebot down" + StateFlags(location));
            return 0;
        }

        output.WriteLine("Ctrl+C stops everything.");
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
                var running = supervisor.Running.Count;
                var notifications = InboxCommand.Read(stack.InboxDirectory).Count;
                output.WriteLine($"{DateTime.Now:HH:mm:ss}  {running}/{specs.Count} processes running · {notifications} notifications in the inbox");
            }
        }
        catch (OperationCanceledException)
        {
        }

        output.WriteLine("… stopping");
        await supervisor.DisposeAsync();
        output.WriteLine("✓ stopped; data kept in " + location.Paths.Root);
        return 0;
    }

    /// <summary>A step in progress: on a terminal it is replaced by its outcome, in a log it is simply not written.</summary>
    private static void Progress(TextWriter output, string text)
    {
        if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected)
        {
            output.Write(text);
        }
    }

    private static void Done(TextWriter output, string text)
    {
        var overwrite = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        output.WriteLine(overwrite ? "\r" + text + "\u001b[K" : text);
    }

    internal static string StateFlags(StackLocation location) =>
        (location.Paths.Root == Path.Combine(location.RepositoryRoot, ".thebot") ? string.Empty : $" --state-dir {location.Paths.Root}")
        + (location.Ports.Offset == 0 ? string.Empty : $" --port-offset {location.Ports.Offset}");

    private static async Task<bool> BuildServicesAsync(LocalStack stack, TextWriter output, CancellationToken cancellationToken)
    {
        foreach (var project in (string[])["TheBot.Api", "TheBot.Web"])
        {
            Progress(output, $"… building {project}");
            var result = await CommandRunner.RunAsync("dotnet",
                ["build", Path.Combine(stack.Location.RepositoryRoot, "src", project, project + ".csproj"), "-c", "Release", "--nologo", "-v", "quiet",
                 "-clp:ErrorsOnly", "-o", Path.Combine(stack.ServicesBuild, project)],
                new CommandOptions { Timeout = TimeSpan.FromMinutes(10) }, cancellationToken);
            if (!result.Succeeded)
            {
                Done(output, $"✗ building {project} failed:\n{result.StandardOutput}{result.StandardError}");
                return false;
            }

            Done(output, $"✓ built {project}");
        }

        return true;
    }
}
