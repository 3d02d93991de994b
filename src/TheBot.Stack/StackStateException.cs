namespace TheBot.Stack;

/// <summary>A file the state folder records (e.g. <c>topology.json</c>) exists but cannot be read as what it records.</summary>
/// <param name="file">The file.</param>
/// <param name="problem">What is wrong with it.</param>
/// <param name="inner">The parser's exception, if any.</param>
public sealed class StackStateException(string file, string problem, Exception? inner = null) : Exception($"{file}: {problem}", inner)
{
    /// <summary>The unreadable file.</summary>
    public string File { get; } = file;
}
