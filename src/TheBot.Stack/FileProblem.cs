using System.Text.RegularExpressions;

namespace TheBot.Stack;

/// <summary>
/// Says what is wrong with a file the stack could not write, in the user's terms: a folder where a file must be
/// written, a file where a folder must be, or the system's own reason, always naming the path. .NET reports a folder
/// in a file's place as "Access to the path … is denied" and a file in a folder's place as "The file … already
/// exists", neither of which says what to remove.
/// </summary>
public static partial class FileProblem
{
    /// <summary>
    /// What is wrong with writing <paramref name="path"/> (a file, or with <paramref name="folder"/> a folder to
    /// create), given the exception that writing it raised.
    /// </summary>
    public static string Describe(string path, Exception exception, bool folder = false)
    {
        path = Path.GetFullPath(path);
        if (folder && File.Exists(path))
        {
            return $"{path} is a file, where a folder is expected";
        }

        if (!folder && Directory.Exists(path))
        {
            return $"{path} is a folder, where a file is expected";
        }

        if (Ancestors(path).Skip(1).FirstOrDefault(File.Exists) is { } file)
        {
            return $"{file} is a file, where a folder is expected (to hold {path})";
        }

        return $"{path}: {exception.Message}";
    }

    /// <summary>
    /// <see cref="Describe(string, Exception, bool)"/> for the path the exception's message quotes (every .NET file-system
    /// exception quotes it), or the bare message when it quotes none.
    /// </summary>
    public static string Describe(Exception exception)
    {
        if (QuotedPath().Match(exception.Message) is not { Success: true } match)
        {
            return exception.Message;
        }

        // Creating a folder over a file is the one IOException that names an existing regular file ("already exists").
        var path = match.Groups[1].Value;
        return Describe(path, exception, folder: exception is not UnauthorizedAccessException && File.Exists(path));
    }

    /// <summary>True for the exceptions a failed file-system write raises.</summary>
    public static bool IsFileSystemError(Exception exception) => exception is IOException or UnauthorizedAccessException;

    /// <summary><paramref name="path"/> and every folder above it, nearest first.</summary>
    private static IEnumerable<string> Ancestors(string path)
    {
        for (var current = Path.TrimEndingDirectorySeparator(path); !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            yield return current;
        }
    }

    [GeneratedRegex("'(/[^']*)'")]
    private static partial Regex QuotedPath();
}
