namespace TheBot.Cli.Checks;

/// <summary>The verdict on one file for one kind of check: the file (as shown to the user), what was checked, and why it failed.</summary>
public sealed record CheckResult(bool Ok, string File, string Check, string Reason = "")
{
    /// <summary>A passing result.</summary>
    public static CheckResult Pass(string file, string check) => new(true, file, check);

    /// <summary>A failing result with its reason (several lines allowed).</summary>
    public static CheckResult Fail(string file, string check, string reason) => new(false, file, check, reason);

    /// <summary>
    /// The one result for the YAML file <paramref name="file"/>: "missing" when absent, where it stops parsing when it
    /// is not YAML, else what <paramref name="inspect"/> finds wrong in the parsed map.
    /// </summary>
    public static Task<IReadOnlyList<CheckResult>> ForYamlFile(
        CheckContext context, string file, string check, Func<Dictionary<object, object>, IReadOnlyCollection<string>> inspect)
    {
        IReadOnlyCollection<string> problems;
        try
        {
            problems = System.IO.File.Exists(file) ? inspect(YamlMap.Load(file)) : ["missing"];
        }
        catch (YamlFormatException e)
        {
            problems = [e.Message];
        }

        return Task.FromResult<IReadOnlyList<CheckResult>>([From(context.Display(file), check, problems)]);
    }

    /// <summary>Passes when <paramref name="problems"/> is empty, else fails with one problem a line.</summary>
    public static CheckResult From(string file, string check, IReadOnlyCollection<string> problems) =>
        problems.Count == 0 ? Pass(file, check) : Fail(file, check, string.Join('\n', problems));
}
