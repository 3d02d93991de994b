using System.CommandLine;
using TheBot.Cli.Commands;

namespace TheBot.Cli.Tests;

/// <summary>Runs <c>thebot check</c> in-process through the real command-line parser, and makes broken copies of monitoring/.</summary>
internal static class CheckSupport
{
    /// <summary>The repository root (the folder holding TheBot.sln).</summary>
    public static string Root { get; } = RepositoryRoot.Find();

    /// <summary>Parses and invokes <c>check</c> with <paramref name="args"/>; returns the exit code and everything it printed.</summary>
    public static async Task<(int Exit, string Output)> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var root = new RootCommand { CheckCommand.Create() };
        var exit = await root.Parse(["check", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    /// <summary>The ✗ line for <paramref name="file"/> (a path ending) with its indented continuation lines; null when none.</summary>
    public static string? FailureBlock(string output, string file, string? containing = null)
    {
        var lines = output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("✗ ", StringComparison.Ordinal) || !lines[i].Contains(file + ":", StringComparison.Ordinal))
            {
                continue;
            }

            var block = string.Join('\n', lines.Skip(i).Take(1).Concat(lines.Skip(i + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal))));
            if (containing is null || block.Contains(containing, StringComparison.OrdinalIgnoreCase))
            {
                return block;
            }
        }

        return null;
    }
}

/// <summary>A copy of the committed monitoring/ (…/monitoring) and docs/runbooks/ (…/runbooks) in a temp folder, deleted on dispose.</summary>
internal sealed class MonitoringCopy : IDisposable
{
    private readonly string _parent = Path.Combine(Path.GetTempPath(), "thebot-checktest-" + Guid.NewGuid().ToString("N")[..10]);

    public MonitoringCopy()
    {
        Copy(Path.Combine(CheckSupport.Root, "monitoring"), Dir);
        Copy(Path.Combine(CheckSupport.Root, "docs", "runbooks"), Runbooks);
    }

    /// <summary>The copied runbooks folder.</summary>
    public string Runbooks => Path.Combine(_parent, "runbooks");

    /// <summary>The copied monitoring folder.</summary>
    public string Dir => Path.Combine(_parent, "monitoring");

    /// <summary>Rewrites <paramref name="relative"/> (inside the copy); fails when the edit changes nothing.</summary>
    public void Edit(string relative, Func<string, string> edit)
    {
        var path = Path.Combine(Dir, relative);
        var before = File.ReadAllText(path);
        var after = edit(before);
        Xunit.Assert.NotEqual(before, after);
        File.WriteAllText(path, after);
    }

    /// <summary>Writes <paramref name="relative"/> (inside the copy) with <paramref name="text"/>.</summary>
    public void Write(string relative, string text) => File.WriteAllText(Path.Combine(Dir, relative), text);

    /// <summary>Replaces the first occurrence of <paramref name="from"/> after the first occurrence of <paramref name="after"/>.</summary>
    public void ReplaceAfter(string relative, string after, string from, string to) =>
        Edit(relative, text =>
        {
            var start = text.IndexOf(after, StringComparison.Ordinal);
            Xunit.Assert.True(start >= 0, $"'{after}' not found in {relative}");
            var at = text.IndexOf(from, start, StringComparison.Ordinal);
            Xunit.Assert.True(at >= 0, $"'{from}' not found after '{after}' in {relative}");
            return string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length));
        });

    /// <summary>Replaces the first occurrence of <paramref name="from"/> in <paramref name="relative"/>.</summary>
    public void ReplaceFirst(string relative, string from, string to) =>
        Edit(relative, text =>
        {
            var at = text.IndexOf(from, StringComparison.Ordinal);
            Xunit.Assert.True(at >= 0, $"'{from}' not found in {relative}");
            return string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length));
        });

    public void Dispose()
    {
        try
        {
            Directory.Delete(_parent, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
