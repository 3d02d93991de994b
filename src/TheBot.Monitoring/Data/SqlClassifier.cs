using System.Collections.Concurrent;

namespace TheBot.Monitoring.Data;

/// <summary>
/// Classifies SQL text into <see cref="SqlShape"/> by a small tokenizer (comments, strings and quoted names
/// understood). Each distinct text is classified once and cached. The cache is bounded so that statements with
/// inlined literals cannot grow it without limit, and it keeps the statements in use: it holds two generations of
/// at most half the capacity each; when the newer one is full it becomes the older one and the oldest is dropped,
/// and a statement found in the older generation moves back into the newer. A statement run at least once per
/// generation is therefore never parsed again, however many one-off statements pass through.
/// </summary>
public sealed class SqlClassifier
{
    /// <summary>Most distinct statements kept (both generations together).</summary>
    public const int DefaultCapacity = 5_000;

    private static readonly SqlShape Unknown = new("other", "none");

    private readonly int _generationSize;
    private readonly Lock _rotation = new();
    private ConcurrentDictionary<string, SqlShape> _recent = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, SqlShape> _older = new(StringComparer.Ordinal);

    /// <summary>Creates a classifier that caches up to <paramref name="capacity"/> statements (at least 2).</summary>
    public SqlClassifier(int capacity = DefaultCapacity) => _generationSize = Math.Max(1, capacity / 2);

    /// <summary>Number of statements cached.</summary>
    public int CachedCount => Volatile.Read(ref _recent).Count + Volatile.Read(ref _older).Count;

    /// <summary>The shape of <paramref name="sql"/>, from the cache when seen before.</summary>
    public SqlShape Classify(string? sql)
    {
        if (string.IsNullOrEmpty(sql))
        {
            return Unknown;
        }

        var recent = Volatile.Read(ref _recent);
        if (recent.TryGetValue(sql, out var shape))
        {
            return shape;
        }

        // Promoting keeps the same SqlShape instance, and with it the series cached on it.
        shape = Volatile.Read(ref _older).TryGetValue(sql, out var older) ? older : Parse(sql);
        Remember(sql, shape);
        return shape;
    }

    private void Remember(string sql, SqlShape shape)
    {
        var recent = Volatile.Read(ref _recent);
        if (recent.Count >= _generationSize)
        {
            lock (_rotation)
            {
                recent = _recent;
                if (recent.Count >= _generationSize)
                {
                    Volatile.Write(ref _older, recent);
                    recent = new ConcurrentDictionary<string, SqlShape>(StringComparer.Ordinal);
                    Volatile.Write(ref _recent, recent);
                }
            }
        }

        recent.TryAdd(sql, shape);
    }

    /// <summary>Classifies without the cache.</summary>
    public static SqlShape Parse(string sql)
    {
        var tokens = Tokenize(sql).ToList();
        if (tokens.Count == 0)
        {
            return Unknown;
        }

        var start = 0;
        if (tokens[0].IsWord("with"))
        {
            // Skip the CTE definitions: the main statement is the first keyword at depth 0 after them.
            start = tokens.FindIndex(t => t.Depth == 0 && (t.IsWord("select") || t.IsWord("insert") || t.IsWord("update") || t.IsWord("delete")));
            if (start < 0)
            {
                return Unknown;
            }
        }

        var head = tokens[start];
        var operation = head.Word switch
        {
            "select" => "select",
            "insert" => "insert",
            "update" => "update",
            "delete" => "delete",
            "copy" => "other",
            _ => "other",
        };

        var table = operation switch
        {
            "select" => TableAfter(tokens, start, "from"),
            "insert" => TableAfter(tokens, start, "into"),
            "update" => TableAt(tokens, SkipWord(tokens, start + 1, "only")),
            "delete" => TableAfter(tokens, start, "from"),
            _ => null,
        };

        return new SqlShape(operation, table ?? "none");
    }

    private static int SkipWord(List<Token> tokens, int index, string word) =>
        index < tokens.Count && tokens[index].IsWord(word) ? index + 1 : index;

    private static string? TableAfter(List<Token> tokens, int start, string keyword)
    {
        var depth = tokens[start].Depth;
        for (var i = start + 1; i < tokens.Count; i++)
        {
            if (tokens[i].Depth == depth && tokens[i].IsWord(keyword))
            {
                return TableAt(tokens, SkipWord(tokens, i + 1, "only"));
            }
        }

        return null;
    }

    private static string? TableAt(List<Token> tokens, int index)
    {
        if (index >= tokens.Count || tokens[index].Kind is not (TokenKind.Word or TokenKind.QuotedName))
        {
            return null;
        }

        // schema.table → table
        var name = tokens[index].Text;
        while (index + 2 < tokens.Count && tokens[index + 1].Kind == TokenKind.Dot && tokens[index + 2].Kind is TokenKind.Word or TokenKind.QuotedName)
        {
            index += 2;
            name = tokens[index].Text;
        }

        return tokens[index].Kind == TokenKind.QuotedName ? name : name.ToLowerInvariant();
    }

    private enum TokenKind { Word, QuotedName, Dot, Other }

    private readonly record struct Token(TokenKind Kind, string Text, int Depth)
    {
        public string Word => Kind == TokenKind.Word ? Text.ToLowerInvariant() : string.Empty;

        public bool IsWord(string word) => Kind == TokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
    }

    private static IEnumerable<Token> Tokenize(string sql)
    {
        var depth = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (c == '\'')
            {
                i++;
                while (i < sql.Length && !(sql[i] == '\'' && (i + 1 >= sql.Length || sql[i + 1] != '\'')))
                {
                    i += sql[i] == '\'' ? 2 : 1;
                }

                i++;
                yield return new Token(TokenKind.Other, "'", depth);
            }
            else if (c == '"')
            {
                var end = sql.IndexOf('"', i + 1);
                end = end < 0 ? sql.Length : end;
                yield return new Token(TokenKind.QuotedName, sql[(i + 1)..end], depth);
                i = end + 1;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var begin = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_' || sql[i] == '$'))
                {
                    i++;
                }

                yield return new Token(TokenKind.Word, sql[begin..i], depth);
            }
            else
            {
                if (c == '(')
                {
                    depth++;
                }
                else if (c == ')')
                {
                    depth = Math.Max(0, depth - 1);
                }

                yield return new Token(c == '.' ? TokenKind.Dot : TokenKind.Other, c.ToString(), depth);
                i++;
            }
        }
    }
}
