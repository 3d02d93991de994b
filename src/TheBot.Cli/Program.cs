using System.CommandLine;
using System.Runtime.InteropServices;
using TheBot.Cli;
using TheBot.Cli.Commands;
using TheBot.Cli.Output;

// Every verb writes through the invocation's writers: the console's, which know whether they are a terminal and fall
// back to ASCII where ✓/✗ cannot be drawn (TerminalText).
var (output, error) = TerminalText.ForConsole();

// Ctrl+C and SIGTERM cancel the running verb and then wait for it: foreground `up` stops about a dozen process trees
// one after the other, each allowed its clean-shutdown grace, so the library's default of 2 s would end this process
// (and leave the stack orphaned) long before the last one is down.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = UpCommand.StopTimeout, Output = output, Error = error };

// SIGHUP (the terminal closed, an SSH session dropped) cancels the verb like SIGTERM: the library handles only SIGINT
// and SIGTERM, and SIGHUP's default action would end this process at once, leaving a foreground `up`'s stack running
// with nobody to stop it. The invocation is then awaited to its end, so the whole stack is stopped first.
using var hangUp = new CancellationTokenSource();
using var hangUpSignal = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
{
    context.Cancel = true;
    hangUp.Cancel();
});
return await CliInvocation.InvokeAsync(args, invocation, hangUp.Token);
