using System.CommandLine;
using TheBot.Cli.Commands;

namespace TheBot.Cli.Tests;

/// <summary>Runs the component verbs, status, doctor, up and scale through the real command-line parser, capturing what they print.</summary>
internal static class VerbInvoker
{
    public static async Task<(int Exit, string Output)> InvokeAsync(string[] args)
    {
        var printed = new StringWriter();
        var console = Console.Out;
        Console.SetOut(printed);
        try
        {
            var root = new RootCommand
            {
                DoctorCommand.Create(), StatusCommand.Create(), ComponentCommand.Create("restart"), ComponentCommand.Create("stop"), ComponentCommand.Create("start"),
                UpCommand.Create(), ScaleCommand.Create(),
            };
            var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = printed, Error = printed });
            return (exit, printed.ToString());
        }
        finally
        {
            Console.SetOut(console);
        }
    }
}
