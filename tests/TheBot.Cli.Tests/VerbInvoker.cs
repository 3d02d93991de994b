namespace TheBot.Cli.Tests;

/// <summary>Runs verbs in this process through the CLI's real command line (<see cref="CliInvocation"/>), capturing what they print.</summary>
internal static class VerbInvoker
{
    /// <summary>Runs <paramref name="args"/>; standard output and error are captured together, in the order written.</summary>
    public static async Task<(int Exit, string Output)> InvokeAsync(string[] args)
    {
        var printed = new StringWriter();
        var exit = await CliInvocation.InvokeAsync(args, new System.CommandLine.InvocationConfiguration { Output = printed, Error = printed });
        return (exit, printed.ToString());
    }

    /// <summary>Runs <paramref name="args"/> with standard output and error captured apart (what <c>--json</c> promises is about standard output alone).</summary>
    public static async Task<(int Exit, string Output, string Error)> InvokeSplitAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliInvocation.InvokeAsync(args, new System.CommandLine.InvocationConfiguration { Output = output, Error = error }, cancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
