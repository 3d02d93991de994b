namespace TheBot.Cli.Checks;

/// <summary>A block of an Alloy configuration: <c>name "label" { ... }</c>.</summary>
public sealed record AlloyBlock(string Name, string? Label, int Depth, string Body);

/// <summary>
/// A reader for Alloy's configuration syntax (formerly River) as documented: <c>//</c> and <c>/* */</c> comments,
/// double-quoted strings with escapes and backtick raw strings, blocks <c>name [ "label" ] { body }</c>, attributes
/// <c>name = expression</c>. Throws <see cref="FormatException"/> on unbalanced brackets or unterminated strings.
/// </summary>
public static class AlloyConfig
{
    /// <summary>The blocks of <paramref name="text"/>, nested ones included, in order.</summary>
    public static IReadOnlyList<AlloyBlock> Parse(string text)
    {
        var masked = Mask(text);
        var blocks = new List<AlloyBlock>();
        var stack = new Stack<(char Open, int Position, string? Name, string? Label)>();
        for (var i = 0; i < masked.Length; i++)
        {
            var c = masked[i];
            if (c is '{' or '[' or '(')
            {
                string? name = null, label = null;
                if (c == '{')
                {
                    (name, label) = Header(text, masked, i);
                }

                stack.Push((c, i, name, label));
            }
            else if (c is '}' or ']' or ')')
            {
                if (stack.Count == 0)
                {
                    throw new FormatException($"unbalanced '{c}' at offset {i}");
                }

                var (open, position, name, label) = stack.Pop();
                if ((open, c) is not (('{', '}') or ('[', ']') or ('(', ')')))
                {
                    throw new FormatException($"'{open}' at offset {position} closed by '{c}' at offset {i}");
                }

                if (name is not null)
                {
                    blocks.Add(new AlloyBlock(name, label, stack.Count(s => s.Name is not null), text[(position + 1)..i]));
                }
            }
        }

        if (stack.Count > 0)
        {
            throw new FormatException($"unclosed '{stack.Peek().Open}' at offset {stack.Peek().Position}");
        }

        return [.. blocks.OrderBy(b => text.IndexOf(b.Body, StringComparison.Ordinal))];
    }

    // A block header is an identifier (dotted), optionally followed by a string label, just before '{'.
    // An object literal ("= {", "[{", ", {") has no header and is not a block.
    private static (string? Name, string? Label) Header(string text, string masked, int brace)
    {
        var j = brace - 1;
        while (j >= 0 && char.IsWhiteSpace(masked[j]))
        {
            j--;
        }

        string? label = null;
        if (j >= 0 && masked[j] == '"')
        {
            var end = j;
            j--;
            while (j >= 0 && masked[j] != '"')
            {
                j--;
            }

            label = text[(j + 1)..end];
            j--;
            while (j >= 0 && char.IsWhiteSpace(masked[j]))
            {
                j--;
            }
        }

        var nameEnd = j + 1;
        while (j >= 0 && (char.IsLetterOrDigit(masked[j]) || masked[j] is '_' or '.'))
        {
            j--;
        }

        var name = masked[(j + 1)..nameEnd];
        return name.Length == 0 ? (null, null) : (name, label);
    }

    // Comments become spaces; string contents become 'x' (quotes kept) so brackets inside them do not count.
    private static string Mask(string text)
    {
        var chars = text.ToCharArray();
        var i = 0;
        while (i < chars.Length)
        {
            if (chars[i] == '/' && i + 1 < chars.Length && chars[i + 1] == '/')
            {
                while (i < chars.Length && chars[i] != '\n')
                {
                    chars[i++] = ' ';
                }
            }
            else if (chars[i] == '/' && i + 1 < chars.Length && chars[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new FormatException($"unterminated comment at offset {i}");
                }

                for (; i < end + 2; i++)
                {
                    chars[i] = chars[i] == '\n' ? '\n' : ' ';
                }
            }
            else if (chars[i] is '"' or '`')
            {
                var quote = chars[i];
                var start = i++;
                while (i < chars.Length && chars[i] != quote)
                {
                    if (quote == '"' && chars[i] == '\n')
                    {
                        throw new FormatException($"unterminated string at offset {start}");
                    }

                    if (quote == '"' && chars[i] == '\\')
                    {
                        chars[i++] = 'x';
                    }

                    chars[i++] = 'x';
                }

                if (i >= chars.Length)
                {
                    throw new FormatException($"unterminated string at offset {start}");
                }

                i++;
            }
            else
            {
                i++;
            }
        }

        return new string(chars);
    }
}
