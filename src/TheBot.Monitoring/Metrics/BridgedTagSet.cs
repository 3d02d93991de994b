using System.Globalization;

namespace TheBot.Monitoring.Metrics;

/// <summary>
/// The tags of one bridged series as text (what its labels show), and the comparer that finds it straight from a
/// measurement's tag span: no array, string or box is made to look a series up, only to create one. Tag order does
/// not matter and a value compares by its invariant text, so <c>200</c> and <c>"200"</c> are one series, as they
/// would be one line in the exposition.
/// </summary>
internal sealed class BridgedTagSet
{
    public static readonly TagSetComparer Comparer = new();

    private BridgedTagSet(KeyValuePair<string, string>[] tags, int hash)
    {
        Tags = tags;
        Hash = hash;
    }

    public KeyValuePair<string, string>[] Tags { get; }

    public int Hash { get; }

    public static BridgedTagSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var texts = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            texts[i] = new(tags[i].Key, Text(tags[i].Value));
        }

        return new BridgedTagSet(texts, Comparer.GetHashCode(tags));
    }

    /// <summary>A set with fixed tags (the overflow series').</summary>
    public static BridgedTagSet Of(params KeyValuePair<string, object?>[] tags) => From(tags);

    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>Compares sets with each other and with a measurement's span (the lookup that allocates nothing).</summary>
    internal sealed class TagSetComparer : IEqualityComparer<BridgedTagSet>, IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, BridgedTagSet>
    {
        public BridgedTagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => From(alternate);

        public bool Equals(BridgedTagSet? x, BridgedTagSet? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }

            if (x is null || y is null || x.Hash != y.Hash || x.Tags.Length != y.Tags.Length)
            {
                return false;
            }

            foreach (var tag in x.Tags)
            {
                if (!TryFind(y.Tags, tag.Key, out var other) || !string.Equals(tag.Value, other, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(BridgedTagSet obj) => obj.Hash;

        public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, BridgedTagSet other)
        {
            if (alternate.Length != other.Tags.Length)
            {
                return false;
            }

            foreach (var tag in alternate)
            {
                if (!TryFind(other.Tags, tag.Key, out var text) || !TextEquals(tag.Value, text))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Sum of the tags' hashes, so the order of the tags does not change it.</summary>
        public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate)
        {
            var hash = 0;
            foreach (var tag in alternate)
            {
                hash = unchecked(hash + HashCode.Combine(string.GetHashCode(tag.Key.AsSpan()), TextHash(tag.Value)));
            }

            return hash;
        }

        private static bool TryFind(KeyValuePair<string, string>[] tags, string key, out string value)
        {
            foreach (var tag in tags)
            {
                if (string.Equals(tag.Key, key, StringComparison.Ordinal))
                {
                    value = tag.Value;
                    return true;
                }
            }

            value = string.Empty;
            return false;
        }

        private static int TextHash(object? value)
        {
            Span<char> buffer = stackalloc char[64];
            return string.GetHashCode(Format(value, buffer));
        }

        private static bool TextEquals(object? value, string text)
        {
            Span<char> buffer = stackalloc char[64];
            return Format(value, buffer).SequenceEqual(text);
        }

        /// <summary>The value's text as <see cref="Text"/> writes it, formatted into <paramref name="buffer"/> when it is not a string.</summary>
        private static ReadOnlySpan<char> Format(object? value, Span<char> buffer) => value switch
        {
            null => [],
            string s => s,
            bool b => b ? "true" : "false",
            ISpanFormattable formattable when formattable.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture) => buffer[..written],
            _ => Text(value), // rare (enums, custom types): allocates
        };
    }
}
