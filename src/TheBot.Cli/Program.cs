using System.CommandLine;
using TheBot.Cli.Commands;

var root = new RootCommand("thebot — run, check, operate and test the THE_BOT monitoring stack on one machine.")
{
    TestCommand.Create(),
    UpCommand.Create(),
    DownCommand.Create(),
    StatusCommand.Create(),
    DoctorCommand.Create(),
    CheckCommand.Create(),
    BackupCommand.Create(),
    CleanupCommand.Create(),
    TestAlertCommand.Create(),
    LoadCommand.Create(),
    InboxCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
