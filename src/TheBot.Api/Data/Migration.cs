using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace TheBot.Api.Data;

/// <summary>One embedded SQL script, <c>NNN_name.sql</c>, applied in the order of its name.</summary>
public sealed record Migration(string Version, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>The scripts embedded in this assembly, ordered.</summary>
    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return [.. assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith("migrations/", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                return new Migration(Path.GetFileNameWithoutExtension(name["migrations/".Length..]), reader.ReadToEnd());
            })];
    }
}
