using System.CommandLine;

namespace TheBot.Cli.Commands;

/// <summary>A verb of SPEC §2 whose implementation has not landed yet: it says so plainly and fails.</summary>
internal static class PlannedCommand
{
    public static Command Create(string name, string description)
    {
        var command = new Command(name, description + " (not implemented yet)");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(_ =>
        {
            Console.Error.WriteLine($"thebot {name}: not implemented yet — it arrives with the local-stack work (issue 5). " +
                                    "Today './thebot test' works; see README.md.");
            return 2;
        });
        return command;
    }
}
