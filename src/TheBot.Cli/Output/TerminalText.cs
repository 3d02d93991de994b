namespace TheBot.Cli.Output;

/// <summary>
/// What the terminal this CLI writes to can show: whether it is a terminal at all (spinners and live progress lines
/// are drawn only there) and whether it can draw ✓, ✗, … and the spinner's braille, or needs ASCII instead.
/// </summary>
/// <remarks>
/// ASCII is chosen when <c>THEBOT_ASCII=1</c>, when <c>TERM=dumb</c>, or when the locale in effect (the first of
/// <c>LC_ALL</c>, <c>LC_CTYPE</c>, <c>LANG</c> that is set) names a character set other than UTF-8 (<c>C</c>,
/// <c>POSIX</c>, <c>en_US.ISO-8859-1</c>). With no locale variable at all the CLI keeps UTF-8, which is what .NET
/// writes in that case anyway.
/// </remarks>
internal static class TerminalText
{
    /// <summary>The environment variable that forces ASCII output (<c>1</c> or <c>true</c>).</summary>
    public const string AsciiVariable = "THEBOT_ASCII";

    /// <summary>True when output must be ASCII, read from <paramref name="environment"/> (a variable's value or null).</summary>
    public static bool WantsAscii(Func<string, string?> environment)
    {
        if (environment(AsciiVariable) is { } forced && (forced == "1" || forced.Equals("true", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        if (string.Equals(environment("TERM"), "dumb", StringComparison.Ordinal))
        {
            return true;
        }

        var locale = new[] { "LC_ALL", "LC_CTYPE", "LANG" }.Select(environment).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        return locale is not null
            && !locale.Contains("UTF-8", StringComparison.OrdinalIgnoreCase)
            && !locale.Contains("UTF8", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The writers a verb gets for this process's standard output and error: the console's own, wrapped so they know
    /// whether they are a terminal and, when <see cref="WantsAscii"/> says so, transliterate to ASCII.
    /// </summary>
    public static (TerminalWriter Output, TerminalWriter Error) ForConsole()
    {
        var ascii = WantsAscii(Environment.GetEnvironmentVariable);
        return (new TerminalWriter(Console.Out, isTerminal: !Console.IsOutputRedirected, ascii),
                new TerminalWriter(Console.Error, isTerminal: !Console.IsErrorRedirected, ascii));
    }

    /// <summary>True when <paramref name="output"/> is a terminal, where a spinner or a live line may be drawn.</summary>
    public static bool IsTerminal(TextWriter output) => output is TerminalWriter { IsTerminal: true };
}
