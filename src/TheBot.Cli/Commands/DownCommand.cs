using System.CommandLine;
using TheBot.Cli.Options;
using TheBot.Stack;

namespace TheBot.Cli.Commands;

/// <summary><c>./thebot down</c>: stops a detached stack from its pid files (whole process trees), keeping its data.</summary>
internal static class DownCommand
{
    public static Command Create()
    {
        var command = StackOptions.Create("down", "Stop a detached stack, keeping its data.");
        command.SetAction(async (result, ct) =>
        {
            var location = StackOptions.Location(result);
            var stopped = await ProcessSupervisor.DownAsync(location.Paths, ct);
            Console.WriteLine(stopped.Count == 0
                ? $"nothing was running from {location.Paths.Root}"
                : $"✓ stopped {string.Join(", ", stopped)}; data kept in {location.Paths.Root}");
            return 0;
        });
        return command;
    }
}
