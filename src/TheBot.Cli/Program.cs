using System.CommandLine;
using TheBot.Cli.Commands;

var root = new RootCommand("thebot — run, check, operate and test the THE_BOT monitoring stack on one machine.")
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

// Ctrl+C and SIGTERM cancel the running verb and then wait for it: foreground `up` stops about a dozen process trees
// one after the other, each allowed its clean-shutdown grace, so the library's default of 2 s would end this process
// (and leave the stack orphaned) long before the last one is down.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = UpCommand.StopTimeout };
return await root.Parse(args).InvokeAsync(invocation);
