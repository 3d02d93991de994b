using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace TheBot.Cli.Checks;

/// <summary>A YAML file that does not parse, with where.</summary>
public sealed class YamlFormatException(string message) : Exception(message);

/// <summary>Untyped YAML for the checks: nested <c>Dictionary&lt;object, object&gt;</c> and <c>List&lt;object&gt;</c>.</summary>
public static class YamlMap
{
    private static readonly IDeserializer Untyped = new DeserializerBuilder().Build();

    /// <summary>Parses <paramref name="path"/>; throws <see cref="YamlFormatException"/> with line and column when it is not YAML or not a mapping.</summary>
    public static Dictionary<object, object> Load(string path)
    {
        try
        {
            return Untyped.Deserialize<Dictionary<object, object>?>(File.ReadAllText(path))
                   ?? throw new YamlFormatException("the file is empty");
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
