using System.Globalization;
using Microsoft.Extensions.Options;

namespace TheBot.Hosting;

/// <summary>
/// Checks <see cref="RollingFileOptions"/> when the host starts (<c>ValidateOnStart</c>) and the file log is on, so a
/// typo fails start-up with a message naming its key instead of a log that rotates on every line, walks billions of
/// file names at each rotation or writes outside its folder. Every failure is reported, not only the first.
/// </summary>
internal sealed class RollingFileOptionsValidator : IValidateOptions<RollingFileOptions>
{
    /// <summary>Smallest file: below a kilobyte a file holds a line or two and the log rotates all the time.</summary>
    public const long MinFileSizeBytes = 1024;

    /// <summary>Most rotated files: each rotation renames every one of them, so a huge count stalls the log writer.</summary>
    public const int MaxRotatedFiles = 1000;

    private const string Section = RollingFileOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, RollingFileOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            return ValidateOptionsResult.Success; // no file log: nothing of the rest is used
        }

        var failures = new List<string>();
        if (options.MaxFileSizeBytes < MinFileSizeBytes)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{Section}:{nameof(RollingFileOptions.MaxFileSizeBytes)} must be between {MinFileSizeBytes} and {long.MaxValue} (bytes); it is {options.MaxFileSizeBytes}."));
        }

        if (options.MaxRotatedFiles is < 0 or > MaxRotatedFiles)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{Section}:{nameof(RollingFileOptions.MaxRotatedFiles)} must be between 0 and {MaxRotatedFiles}; it is {options.MaxRotatedFiles}."));
        }

        if (options.FileName is { } fileName
            && (fileName.Length == 0 || fileName.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || fileName.IndexOfAny(['/', '\\']) >= 0))
        {
            failures.Add($"{Section}:{nameof(RollingFileOptions.FileName)} must be a file name without a folder; it is '{fileName}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
