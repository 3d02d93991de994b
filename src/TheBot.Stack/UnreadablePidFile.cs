namespace TheBot.Stack;

/// <summary>
/// A pid file that records no usable process (not JSON, <c>null</c>, <c>{}</c>, a name other than its file's): it is
/// treated as no process recorded, so nothing is ever stopped or killed on its word.
/// </summary>
/// <param name="File">The pid file.</param>
/// <param name="Reason">What is wrong with it.</param>
public sealed record UnreadablePidFile(string File, string Reason)
{
    /// <summary>The service the file is named after (<c>&lt;name&gt;.pid</c>).</summary>
    public string Service => Path.GetFileNameWithoutExtension(File);

    /// <summary>The file and what is wrong with it, for a message.</summary>
    public string Describe() => $"pid file {File} is unreadable ({Reason})";
}
