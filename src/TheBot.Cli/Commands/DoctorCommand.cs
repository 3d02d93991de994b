using System.CommandLine;
using System.Text.Json;
using TheBot.Cli.Diagnostics.Doctor;
using TheBot.Cli.Options;
using TheBot.Cli.Local;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot doctor</c>: the seed's Troubleshooting section as one command — binaries, ports, configs, targets,
/// rules, Alertmanager reachability and routing — one ✓ or ✗ per check with the fix; non-zero on any ✗. The checks
/// themselves are small objects in Diagnostics/Doctor (<see cref="DoctorChecks"/>).
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the checks as JSON" };
        var command = StackOptions.Create("doctor", "Every check an operator would do by hand, each with its fix. Exit codes: 0 every check passed; 1 a check failed (its fix is printed); 2 bad flags.");
        command.Options.Add(json);
        command.SetAction(async (result, ct) =>
        {
            var checks = await RunAsync(StackOptions.Location(result), ct);
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(checks.Select(c => new { check = c.Name, ok = c.Ok, detail = c.Detail, fix = c.Fix }),
                    new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var check in checks)
                {
                    await output.WriteLineAsync($"{(check.Ok ? "✓" : "✗")} {check.Name}: {check.Detail}" + (check.Ok ? string.Empty : $"\n    fix: {check.Fix}"));
                }

                await output.WriteLineAsync($"{checks.Count(c => c.Ok)} ok, {checks.Count(c => !c.Ok)} failing");
            }

            return checks.All(c => c.Ok) ? 0 : 1;
        });
        return command;
    }

    /// <summary>Runs every check (<see cref="DoctorChecks"/>) against the stack at <paramref name="location"/>.</summary>
    public static Task<IReadOnlyList<DoctorResult>> RunAsync(StackLocation location, CancellationToken cancellationToken) =>
        DoctorChecks.RunAsync(DoctorChecks.For(new DoctorContext(location)), cancellationToken);
}
