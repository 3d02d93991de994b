using System.CommandLine;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary><c>./thebot down</c>: stops a detached stack from its pid files (whole process trees), keeping its data.</summary>
internal static class DownCommand
{
    public static Command Create()
    {
        var command = VerbReport.AddJsonOption(StackOptions.Create("down", "Stop a detached stack, keeping its data. Exit codes: 0 done (also when nothing was running); 2 bad flags."));
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var report = VerbReport.For(result);
            _ = ProcessSupervisor.ReadPidFiles(location.Paths, out var unreadable);
            var stopped = await ProcessSupervisor.DownAsync(location.Paths, ct);
            foreach (var file in unreadable)
            {
                // DownAsync removed it without stopping anything: a process it once named may still hold its port.
                report.Warn($"removed {file.Describe()}; nothing was stopped for {file.Service}", $"fix: if {file.Service} still runs, ./thebot status{StackOptions.StateFlags(location)} shows whether its port answers");
            }

            if (stopped.Count == 0)
            {
                report.Info($"nothing was running from {location.Paths.Root}");
            }
            else
            {
                report.Ok($"stopped {string.Join(", ", stopped)}; data kept in {location.Paths.Root}");
            }

            report.Set("stopped", stopped);
            report.Set("state_dir", location.Paths.Root);
            return await report.EndAsync(0);
        });
        return command;
    }
}
