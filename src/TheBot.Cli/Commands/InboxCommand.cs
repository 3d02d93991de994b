using System.CommandLine;
using TheBot.Cli.Inbox;

namespace TheBot.Cli.Commands;

/// <summary>The hidden <c>inbox</c> verb: runs the <see cref="NotificationInbox"/> server (started by <c>up</c>).</summary>
internal static class InboxCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Required = true };
        var dir = new Option<string>("--dir") { Required = true };
        var command = new Command("inbox", "Run the local notification inbox (started by up). Exit codes: 0 stopped; 1 it could not listen; 2 bad flags.") { port, dir };
        command.Hidden = true;
        command.SetAction((result, ct) => NotificationInbox.RunAsync(result.GetValue(port), result.GetValue(dir)!, ct));
        return command;
    }
}
