using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace TheBot.Cli.Checks;

/// <summary>
/// Reading YAML configs: untyped (nested <c>Dictionary&lt;object, object&gt;</c> and <c>List&lt;object&gt;</c>, walked
/// with <see cref="At"/>) or into a type whose properties follow the Prometheus ecosystem's snake_case keys. The one
/// reader of the checks and the config tests; rewriting a config in place (keeping its node styles) is
/// <c>TheBot.Cli.Config.Yaml</c>'s job.
/// </summary>
public static class YamlMap
{
    private static readonly IDeserializer Untyped = new DeserializerBuilder().Build();

    private static readonly ISerializer Writer = new SerializerBuilder().Build();

    // snake_case keys (rule_files, alert_rule_test); keys the type does not model are skipped, not errors.
    private static readonly IDeserializer Typed = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    /// <summary>Parses <paramref name="path"/>; throws <see cref="YamlFormatException"/> with line and column when it is not YAML or not a mapping.</summary>
    public static Dictionary<object, object> Load(string path) =>
        Deserialize<Dictionary<object, object>?>(Untyped, File.ReadAllText(path)) ?? throw new YamlFormatException("the file is empty");

    /// <summary>Parses YAML <paramref name="text"/> into nested maps and lists, as <see cref="Load(string)"/> does a file.</summary>
    public static Dictionary<object, object> Parse(string text) =>
        Deserialize<Dictionary<object, object>?>(Untyped, text) ?? throw new YamlFormatException("the text is empty");

    /// <summary>
    /// Writes a tree of maps and lists (as <see cref="Load(string)"/> gives it, changed or not) back as YAML, for a config
    /// derived from a committed one (a test's subset of the rules). Styles and comments are not kept: rewriting a config
    /// in place is <c>TheBot.Cli.Config.Yaml</c>'s job.
    /// </summary>
    public static string Write(object node) => Writer.Serialize(node);

    /// <summary>Deserializes <paramref name="path"/> into <typeparamref name="T"/>; throws <see cref="YamlFormatException"/> like <see cref="Load(string)"/>.</summary>
    public static T Load<T>(string path) =>
        Deserialize<T?>(Typed, File.ReadAllText(path)) ?? throw new YamlFormatException("the file is empty");

    private static T Deserialize<T>(IDeserializer deserializer, string text)
    {
        try
        {
            return deserializer.Deserialize<T>(text);
        }
        catch (YamlException e)
        {
            throw new YamlFormatException($"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {(e.InnerException ?? e).Message}");
        }
    }

    /// <summary>Follows <paramref name="keys"/> through nested maps (and list indexes given as ints); null when absent.</summary>
    public static object? At(this object? node, params object[] keys)
    {
        foreach (var key in keys)
        {
            node = (node, key) switch
            {
                (Dictionary<object, object> map, string k) => map.GetValueOrDefault(k),
                (List<object> list, int i) when i < list.Count => list[i],
                _ => null,
            };
        }

        return node;
    }

    /// <summary>The node as a list (empty when absent).</summary>
    public static List<object> AsList(this object? node) => node as List<object> ?? [];

    /// <summary>The node as a map (empty when absent).</summary>
    public static Dictionary<object, object> AsMap(this object? node) => node as Dictionary<object, object> ?? [];

    /// <summary>The node as a string (null when absent or not a scalar).</summary>
    public static string? AsText(this object? node) => node as string;
}
