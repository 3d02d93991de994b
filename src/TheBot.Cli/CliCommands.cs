using System.CommandLine;
using TheBot.Cli.Commands;

namespace TheBot.Cli;

/// <summary>The command line of <c>./thebot</c>: every verb, as Program runs it and as the tests invoke it.</summary>
internal static class CliCommands
{
    public static RootCommand Create() => new("thebot — run, check, operate and test the THE_BOT monitoring stack on one machine.")
    {
        TestCommand.Create(),
        UpCommand.Create(),
        DownCommand.Create(),
        StatusCommand.Create(),
        ComponentCommand.Create("restart"),
        ComponentCommand.Create("stop"),
        ComponentCommand.Create("start"),
        ScaleCommand.Create(),
        DoctorCommand.Create(),
        CheckCommand.Create(),
        BackupCommand.Create(),
        CleanupCommand.Create(),
        TestAlertCommand.Create(),
        LoadCommand.Create(),
        InboxCommand.Create(),
        ExplainCommand.Create(),
    };
}
