using System.Text;

namespace TheBot.Cli.Output;

/// <summary>
/// A console writer that knows whether it is a terminal and, in ASCII mode, writes every character the CLI uses
/// outside ASCII as ASCII: ✓ → <c>+</c>, ✗ → <c>x</c> (one column each, so tables stay aligned), … → <c>...</c>,
/// → → <c>-&gt;</c>, — → <c>--</c>, the spinner's braille frames → <c>| / - \</c>; anything else → <c>?</c>.
/// It never disposes the writer it wraps.
/// </summary>
internal sealed class TerminalWriter(TextWriter inner, bool isTerminal, bool ascii) : TextWriter
{
    /// <summary>The spinner's frames in the order it draws them; in ASCII each becomes one of | / - \ in turn.</summary>
    private const string Braille = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";

    private static readonly string[] Turns = ["|", "/", "-", "\\"];

    /// <summary>True when the wrapped writer is a terminal (not a file or a pipe).</summary>
    public bool IsTerminal { get; } = isTerminal;

    /// <summary>True when non-ASCII characters are transliterated.</summary>
    public bool Ascii { get; } = ascii;

    /// <inheritdoc />
    public override Encoding Encoding => inner.Encoding;

    /// <summary>The ASCII text for <paramref name="c"/>; <paramref name="c"/> itself when it is ASCII.</summary>
    public static string Transliterate(char c) => c switch
    {
        < (char)0x80 => c.ToString(),
        '✓' => "+",
        '✗' => "x",
        '…' => "...",
        '→' => "->",
        '—' or '–' => "--",
        '×' => "x",
        '·' => "-",
        '§' => "S",
        '≤' => "<=",
        '≥' => ">=",
        _ when Braille.IndexOf(c) is var frame and >= 0 => Turns[frame % Turns.Length],
        _ when char.IsLowSurrogate(c) => string.Empty, // its high surrogate already wrote the one "?"
        _ => "?",
    };

    /// <inheritdoc />
    public override void Write(char value)
    {
        if (Ascii)
        {
            inner.Write(Transliterate(value));
        }
        else
        {
            inner.Write(value);
        }
    }

    /// <inheritdoc />
    public override void Write(string? value)
    {
        if (!Ascii || value is null || value.All(char.IsAscii))
        {
            inner.Write(value);
            return;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            builder.Append(Transliterate(c));
        }

        inner.Write(builder.ToString());
    }

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    /// <inheritdoc />
    public override void WriteLine(string? value)
    {
        Write(value);
        inner.WriteLine();
    }

    /// <inheritdoc />
    public override void WriteLine() => inner.WriteLine();

    /// <inheritdoc />
    public override void Flush() => inner.Flush();

    /// <inheritdoc />
    public override Task FlushAsync() => inner.FlushAsync();
}
