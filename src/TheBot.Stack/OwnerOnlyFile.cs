namespace TheBot.Stack;

/// <summary>
/// Writes files that hold secrets (generated passwords, the web config's hash, an Alertmanager config with webhook
/// URLs): readable and writable by their owner only (0600) from the first byte on. A file left by an earlier write
/// keeps its mode when overwritten, so that mode is narrowed before anything is written into it.
/// </summary>
public static class OwnerOnlyFile
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> (its folder made if missing) with mode 0600.</summary>
    public static void WriteAllText(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, text); // no Unix modes; the stack runs on Linux
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (File.Exists(path))
        {
            File.SetUnixFileMode(path, ownerOnly);
        }

        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = ownerOnly });
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
