using TheBot.Stack;
using YamlDotNet.RepresentationModel;

namespace TheBot.Cli.Config;

/// <summary>Small helpers over YamlDotNet's node model, for rewriting the committed configs in place.</summary>
internal static class Yaml
{
    /// <summary>
    /// The top-level mapping of the YAML file <paramref name="path"/>. A file that is missing, cannot be read, is not
    /// YAML (with the line and column where it stops parsing) or is not a mapping is a <see cref="ConfigException"/>
    /// naming it, which the verbs print as a config failure.
    /// </summary>
    public static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigException(path, "file not found");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, $"cannot be read: {exception.Message}");
        }
        catch (YamlDotNet.Core.YamlException exception)
        {
            throw new ConfigException(path, $"line {exception.Start.Line}, column {exception.Start.Column}: {exception.InnerException?.Message ?? exception.Message}");
        }

        return stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode
               ?? throw new ConfigException(path, "the file is empty or its top level is not a mapping");
    }

    public static void Save(YamlMappingNode root, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new StreamWriter(path);
        Write(root, writer);
    }

    /// <summary>
    /// <see cref="Save(YamlMappingNode, string)"/> for a file that holds secrets, through <see cref="OwnerOnlyFile"/>
    /// (0600 from the first byte on).
    /// </summary>
    public static void SaveSecret(YamlMappingNode root, string path) => OwnerOnlyFile.WriteAllText(path, Serialize(root));

    /// <summary>The YAML text of <paramref name="node"/>, as <see cref="Save"/> writes it.</summary>
    public static string Serialize(YamlNode node)
    {
        using var writer = new StringWriter();
        Write(node, writer);
        return writer.ToString();
    }

    private static void Write(YamlNode node, TextWriter writer) => new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);

    public static YamlNode? Get(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode? Map(this YamlMappingNode node, string key) => node.Get(key) as YamlMappingNode;

    public static YamlSequenceNode? Seq(this YamlMappingNode node, string key) => node.Get(key) as YamlSequenceNode;

    public static string? Text(this YamlMappingNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value;

    public static void Set(this YamlMappingNode node, string key, YamlNode value) => node.Children[new YamlScalarNode(key)] = value;

    public static void Set(this YamlMappingNode node, string key, string value) => node.Set(key, new YamlScalarNode(value));

    public static void Remove(this YamlMappingNode node, string key) => node.Children.Remove(new YamlScalarNode(key));

    public static YamlSequenceNode Strings(IEnumerable<string> values) => new(values.Select(v => (YamlNode)new YamlScalarNode(v)));
}
