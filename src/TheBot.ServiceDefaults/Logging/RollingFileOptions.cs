namespace TheBot.Hosting;

/// <summary>Options of the rotating file log (<c>Logging:File</c>).</summary>
public sealed class RollingFileOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Logging:File";

    /// <summary>Folder of the log files; no file log when empty.</summary>
    public string? Path { get; set; }

    /// <summary>File name without extension; defaults to the service name.</summary>
    public string? FileName { get; set; }

    /// <summary>Size at which the current file is rotated.</summary>
    public long MaxFileSizeBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Rotated files kept besides the current one (<c>name.1.log</c> is the newest).</summary>
    public int MaxRotatedFiles { get; set; } = 5;
}
