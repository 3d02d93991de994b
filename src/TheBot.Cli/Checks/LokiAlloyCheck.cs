using System.Text.RegularExpressions;

namespace TheBot.Cli.Checks;

/// <summary>
/// loki/loki-config.yml against Loki 3's configuration reference (YAML, documented top-level blocks, retention needs
/// a delete_request_store, a schema config) and alloy/config.alloy against Alloy's syntax (balanced blocks and
/// strings, documented components with labels, documented loki.process stages, references to declared components).
/// </summary>
public sealed partial class LokiAlloyCheck : IMonitoringCheck
{
    /// <inheritdoc />
    public string Key => "loki-alloy";

    /// <summary>What the Loki line says was checked.</summary>
    public const string LokiName = "Loki config format";

    /// <summary>What the Alloy line says was checked.</summary>
    public const string AlloyName = "Alloy config syntax and components";

    /// <summary>Components documented for Grafana Alloy that a log pipeline may use.</summary>
    public static readonly IReadOnlySet<string> KnownComponents = new HashSet<string>(StringComparer.Ordinal)
    {
        "local.file_match", "loki.source.file", "loki.process", "loki.write", "loki.relabel", "loki.source.journal",
        "discovery.relabel", "logging", "livedebugging",
    };

    /// <summary>Stages documented for loki.process.</summary>
    public static readonly IReadOnlySet<string> KnownStages = new HashSet<string>(StringComparer.Ordinal)
    {
        "stage.json", "stage.logfmt", "stage.regex", "stage.labels", "stage.label_drop", "stage.label_keep", "stage.static_labels",
        "stage.template", "stage.timestamp", "stage.output", "stage.structured_metadata", "stage.drop", "stage.match",
        "stage.multiline", "stage.pack", "stage.replace", "stage.tenant", "stage.metrics", "stage.limit", "stage.decolorize",
    };

    /// <summary>Top-level blocks of Loki 3's configuration file reference.</summary>
    public static readonly IReadOnlySet<string> LokiTopLevel = new HashSet<string>(StringComparer.Ordinal)
    {
        "target", "auth_enabled", "ballast_bytes", "server", "distributor", "querier", "query_scheduler", "frontend",
        "query_range", "ruler", "ingester_client", "ingester", "pattern_ingester", "index_gateway", "bloom_build", "bloom_gateway",
        "storage_config", "chunk_store_config", "schema_config", "compactor", "limits_config", "frontend_worker", "table_manager",
        "memberlist", "runtime_config", "operational_config", "tracing", "analytics", "common", "shutdown_delay", "metrics_namespace",
    };

    /// <inheritdoc />
    public Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var loki = context.Monitoring("loki", "loki-config.yml");
        var alloy = context.Monitoring("alloy", "config.alloy");
        IReadOnlyList<CheckResult> results =
        [
            CheckResult.From(context.Display(loki), LokiName, File.Exists(loki) ? LokiProblems(loki) : ["missing"]),
            CheckResult.From(context.Display(alloy), AlloyName, File.Exists(alloy) ? AlloyProblems(File.ReadAllText(alloy)) : ["missing"]),
        ];
        return Task.FromResult(results);
    }

    /// <summary>What is wrong with a Loki configuration file (empty: nothing found).</summary>
    public static IReadOnlyList<string> LokiProblems(string path)
    {
        Dictionary<object, object> loki;
        try
        {
            loki = YamlMap.Load(path);
        }
        catch (YamlFormatException e)
        {
            return [e.Message];
        }

        var problems = loki.Keys.Select(k => k.ToString() ?? "").Where(k => !LokiTopLevel.Contains(k)).Select(k => $"unknown top-level block '{k}'").ToList();
        if (loki.At("server", "http_listen_port") is null)
        {
            problems.Add("server.http_listen_port is not set");
        }

        if (loki.At("compactor", "retention_enabled")?.ToString() == "true" && loki.At("compactor", "delete_request_store") is null)
        {
            problems.Add("compactor.retention_enabled needs compactor.delete_request_store (Loki 3)");
        }

        var schemas = loki.At("schema_config", "configs").AsList();
        if (schemas.Count == 0)
        {
            problems.Add("schema_config.configs is empty");
        }

        foreach (var schema in schemas)
        {
            problems.AddRange(new[] { "from", "store", "object_store", "schema" }.Where(k => schema.At(k) is null).Select(k => $"schema_config.configs entry without {k}"));
        }

        return problems;
    }

    /// <summary>What is wrong with an Alloy configuration (empty: nothing found).</summary>
    public static IReadOnlyList<string> AlloyProblems(string text)
    {
        IReadOnlyList<AlloyBlock> blocks;
        try
        {
            blocks = AlloyConfig.Parse(text);
        }
        catch (FormatException e)
        {
            return [$"syntax: {e.Message} (line {LineOf(text, e.Message)})"];
        }

        var problems = new List<string>();
        var components = blocks.Where(b => b.Depth == 0).ToList();
        foreach (var c in components)
        {
            if (!KnownComponents.Contains(c.Name))
            {
                var at = text.IndexOf(c.Name, StringComparison.Ordinal);
                problems.Add($"unknown component {c.Name} (line {text.AsSpan(0, Math.Max(at, 0)).Count('\n') + 1})");
            }

            if (string.IsNullOrEmpty(c.Label) && c.Name is not ("logging" or "livedebugging"))
            {
                problems.Add($"{c.Name} needs a label");
            }
        }

        problems.AddRange(blocks.Where(b => b.Depth == 1 && b.Name.StartsWith("stage.", StringComparison.Ordinal) && !KnownStages.Contains(b.Name))
            .Select(s => $"unknown loki.process stage {s.Name}"));
        var declared = components.Select(c => $"{c.Name}.{c.Label}").ToHashSet(StringComparer.Ordinal);
        problems.AddRange(ComponentReference().Matches(text).Where(m => !declared.Contains(m.Groups[1].Value)).Select(m => $"reference to undeclared component {m.Value}"));
        return problems;
    }

    // "... at offset N" -> 1-based line number of offset N.
    private static string LineOf(string text, string message)
    {
        var m = Offset().Match(message);
        return m.Success && int.TryParse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var offset) && offset <= text.Length
            ? (text.AsSpan(0, offset).Count('\n') + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "?";
    }

    [GeneratedRegex(@"\b((?:local\.file_match|loki\.source\.file|loki\.process|loki\.write|loki\.relabel)\.[a-z_][a-z0-9_]*)\.(?:targets|receiver|rules)\b")]
    private static partial Regex ComponentReference();

    [GeneratedRegex(@"offset (\d+)")]
    private static partial Regex Offset();
}
