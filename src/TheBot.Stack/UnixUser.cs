using System.Diagnostics;

namespace TheBot.Stack;

/// <summary>Running as another Unix user without a wrapper process: <c>setpriv</c> drops privileges and execs in place.</summary>
public static class UnixUser
{
    /// <summary>Path of <c>setpriv</c> (Debian package util-linux).</summary>
    public const string SetPriv = "/usr/bin/setpriv";

    /// <summary>The numeric uid and gid of <paramref name="user"/>, from <c>/etc/passwd</c>.</summary>
    public static (int Uid, int Gid, string Home) Lookup(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length >= 6 && f[0] == user)
            {
                return (int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), f[5]);
            }
        }

        throw new InvalidOperationException($"user '{user}' does not exist (is the package that creates it installed?)");
    }

    /// <summary>Changes the owner of <paramref name="path"/> (and, for a folder, everything in it) to <paramref name="user"/>.</summary>
    public static Task ChownAsync(string path, string user, CancellationToken cancellationToken = default)
    {
        var (uid, gid, _) = Lookup(user);
        return CommandRunner.RunCheckedAsync("/bin/chown", ["-R", $"{uid}:{gid}", path], cancellationToken: cancellationToken);
    }

    /// <summary>The command line that runs <paramref name="executable"/> as <paramref name="user"/> (unchanged when null).</summary>
    public static (string Executable, List<string> Arguments) Wrap(string? user, string executable, IEnumerable<string> arguments)
    {
        if (user is null)
        {
            return (executable, [.. arguments]);
        }

        var (uid, gid, _) = Lookup(user);
        return (SetPriv, [$"--reuid={uid}", $"--regid={gid}", "--init-groups", "--", executable, .. arguments]);
    }
}
