namespace TheBot.Cli.Tests;

/// <summary>Runs verbs in this process through the CLI's real command line (<see cref="CliCommands"/>), capturing what they print.</summary>
internal static class VerbInvoker
{
    public static async Task<(int Exit, string Output)> InvokeAsync(string[] args)
    {
        var printed = new StringWriter();
        var exit = await CliCommands.Create().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = printed, Error = printed });
        return (exit, printed.ToString());
    }
}
