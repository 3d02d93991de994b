using System.CommandLine;
using TheBot.Cli.Commands;

var root = new RootCommand("thebot — run, check, operate and test the THE_BOT monitoring stack on one machine.")
{
    TestCommand.Create(),
    UpCommand.Create(),
    DownCommand.Create(),
    StatusCommand.Create(),
    PlannedCommand.Create("doctor", "Every check an operator would do by hand, with a fix per failure."),
    PlannedCommand.Create("check", "Validate every file under monitoring/."),
    PlannedCommand.Create("backup", "TSDB snapshot through the admin API, copied to a dated folder."),
    PlannedCommand.Create("cleanup", "Delete series by selector and age, then clean tombstones."),
    PlannedCommand.Create("test-alert", "Send a synthetic alert through Alertmanager and report delivery."),
    PlannedCommand.Create("load", "Generate realistic platform traffic."),
    InboxCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
