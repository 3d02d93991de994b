namespace TheBot.Cli.Checks;

/// <summary>A YAML file that does not parse, with where.</summary>
public sealed class YamlFormatException(string message) : Exception(message);
