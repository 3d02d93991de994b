namespace TheBot.Cli.Config;

/// <summary>A config file that cannot be used, with the file and the reason.</summary>
internal sealed class ConfigException(string file, string reason) : Exception($"{file}: {reason}")
{
    public string File { get; } = file;

    public string Reason { get; } = reason;
}
