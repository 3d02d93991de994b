using System.Text.RegularExpressions;
using TheBot.Testing;
using Xunit;

namespace TheBot.Platform.Tests;

/// <summary>
/// The backend's folders (one namespace each: Domain, Payments, Jobs, Chat, Data, Apis…) depend on each other in one
/// direction only. Jobs knows no feature: each feature registers the handlers of its own jobs, so a feature that
/// enqueues a job and the worker that runs it do not form a cycle.
/// </summary>
public sealed partial class FeatureDependencyTests
{
    [Fact]
    public void The_backend_namespaces_form_no_cycle_and_jobs_and_data_know_no_feature()
    {
        var source = Repository.PathOf("src/TheBot.Api");
        var folders = Directory.GetDirectories(source).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Cast<string>().ToList();
        var uses = folders.ToDictionary(folder => folder, folder => Directory
            .EnumerateFiles(Path.Combine(source, folder), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => SiblingNamespace().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .Where(used => used != folder && folders.Contains(used))
            .ToHashSet());

        Assert.Contains("Domain", uses["Payments"]); // the scan sees real references (a payment belongs to a user)
        Assert.Empty(uses["Jobs"]);
        Assert.Empty(uses["Data"]);
        Assert.Null(FindCycle(uses));
    }

    /// <summary>One cycle as "A → B → A", or null when the graph has none.</summary>
    private static string? FindCycle(Dictionary<string, HashSet<string>> uses)
    {
        var done = new HashSet<string>();
        var path = new List<string>();
        foreach (var start in uses.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        string? Visit(string node)
        {
            if (path.IndexOf(node) is var at and >= 0)
            {
                return string.Join(" → ", path[at..].Append(node));
            }

            if (!done.Add(node))
            {
                return null;
            }

            path.Add(node);
            foreach (var next in uses[node].Order(StringComparer.Ordinal))
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }
    }

    [GeneratedRegex(@"\bTheBot\.Api\.([A-Z][A-Za-z]+)\b")]
    private static partial Regex SiblingNamespace();
}
