namespace TheBot.Stack;

/// <summary>
/// Replaces a file in one step: the content goes to a temporary file in the same folder, which is then renamed over
/// the target. Watchers (Prometheus' file_sd, the frontend's configuration reload) see the old file or the new one,
/// never a half-written one they would reject or, worse, read as "no targets".
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically, creating its folder.</summary>
    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
