using System.Text.Json;

namespace TheBot.Cli.Checks;

/// <summary>
/// grafana/: the provisioning files parse and give every datasource a uid and type; every dashboard is valid JSON
/// with a uid (unique across dashboards), a title, unique panel ids, datasources referenced as {type, uid} with a
/// provisioned uid, and targets whose PromQL parses with promtool and whose LogQL follows Loki's grammar.
/// </summary>
public sealed class DashboardsCheck : IMonitoringCheck
{
    /// <inheritdoc />
    public string Key => "dashboards";

    /// <summary>What a dashboard line says was checked.</summary>
    public const string Name = "dashboard JSON, uid, datasources, queries";

    /// <summary>What a provisioning line says was checked.</summary>
    public const string ProvisioningName = "Grafana provisioning";

    /// <summary>Grafana's built-in datasource, usable without provisioning.</summary>
    public const string BuiltInDatasource = "-- Grafana --";

    /// <inheritdoc />
    public async Task<IReadOnlyList<CheckResult>> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        var uids = new HashSet<string>(StringComparer.Ordinal) { BuiltInDatasource };
        results.AddRange(Provisioning(context, uids));

        var dashboardsDir = context.Monitoring("grafana", "dashboards");
        var files = Directory.Exists(dashboardsDir) ? Directory.GetFiles(dashboardsDir, "*.json").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0)
        {
            results.Add(CheckResult.Fail(context.Display(dashboardsDir), Name, "no dashboard (*.json)"));
            return results;
        }

        var problems = files.ToDictionary(f => f, _ => new List<string>(), StringComparer.Ordinal);
        var seenUids = new Dictionary<string, string>(StringComparer.Ordinal);
        var promql = new List<(string File, DashboardTarget Target)>();
        foreach (var file in files)
        {
            var own = problems[file];
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(await File.ReadAllTextAsync(file, cancellationToken));
            }
            catch (JsonException e)
            {
                own.Add($"invalid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message.Split(" LineNumber:")[0]}");
                continue;
            }

            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    own.Add("top level is not a JSON object");
                    continue;
                }

                var uid = root.TryGetProperty("uid", out var u) ? u.GetString() : null;
                if (string.IsNullOrEmpty(uid))
                {
                    own.Add("no uid");
                }
                else if (seenUids.TryGetValue(uid, out var first))
                {
                    own.Add($"duplicate uid '{uid}' (also in {context.Display(first)})");
                }
                else
                {
                    seenUids[uid] = file;
                }

                if (!root.TryGetProperty("title", out var title) || string.IsNullOrEmpty(title.GetString()))
                {
                    own.Add("no title");
                }

                own.AddRange(DashboardModel.PanelShapeProblems(root).Select(p => $"{p.Path}: {p.Problem}"));
                var ids = DashboardModel.Panels(root).Select(p => p.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number ? id.GetInt32() : (int?)null).ToList();
                if (ids.Any(i => i is null))
                {
                    own.Add("a panel has no numeric id");
                }

                own.AddRange(ids.OfType<int>().GroupBy(i => i).Where(g => g.Count() > 1).Select(g => $"panel id {g.Key} used {g.Count()} times"));
                foreach (var (path, value) in DashboardModel.DatasourceReferences(root))
                {
                    if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("uid", out var dsUid))
                    {
                        own.Add($"{path}: datasource must be {{type, uid}}, is {value}");
                    }
                    else if (!uids.Contains(DashboardModel.ResolveUid(root, dsUid.GetString()) ?? ""))
                    {
                        own.Add($"{path}: unknown datasource uid '{dsUid.GetString()}' (provisioned: {string.Join(", ", uids.Order(StringComparer.Ordinal))}; a datasource variable counts by its current value)");
                    }
                }

                foreach (var target in DashboardModel.Targets(Path.GetFileName(file), root))
                {
                    if (string.IsNullOrWhiteSpace(target.Expr))
                    {
                        own.Add($"panel '{target.Panel}': a target has no expr");
                    }
                    else if (target.DatasourceUid == "prometheus")
                    {
                        promql.Add((file, target));
                    }
                    else if (target.DatasourceUid == "loki")
                    {
                        own.AddRange(LogQl.Check(target.Expr).Select(p => $"panel '{target.Panel}': LogQL {p}: {target.Expr}"));
                    }
                    else
                    {
                        own.Add($"panel '{target.Panel}': target datasource '{target.DatasourceUid}' is neither prometheus nor loki");
                    }
                }
            }
        }

        var errors = await PromQlParser.ParseAllAsync([.. promql.Select(p => (p.File, p.Target.Expr))], cancellationToken);
        if (errors is null)
        {
            foreach (var file in promql.Select(p => p.File).Distinct())
            {
                problems[file].Add("PromQL not parsed: " + CheckTool.Missing("promtool"));
            }
        }
        else
        {
            foreach (var error in errors)
            {
                var panel = promql.FirstOrDefault(p => p.File == error.Origin && p.Target.Expr == error.Expr).Target?.Panel;
                problems.GetValueOrDefault(error.Origin, problems[files[0]]).Add($"panel '{panel}': PromQL does not parse: {error.Reason}: {error.Expr}");
            }
        }

        results.AddRange(files.Select(f => CheckResult.From(context.Display(f), Name, problems[f])));
        return results;
    }

    // The datasource and dashboard provider files; adds the provisioned datasource uids to uids.
    private static IEnumerable<CheckResult> Provisioning(CheckContext context, HashSet<string> uids)
    {
        foreach (var kind in new[] { "datasources", "dashboards" })
        {
            var dir = context.Monitoring("grafana", "provisioning", kind);
            var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.y*ml").Order(StringComparer.Ordinal).ToList() : [];
            if (files.Count == 0)
            {
                yield return CheckResult.Fail(context.Display(dir), ProvisioningName, "no provisioning file (*.yml)");
                continue;
            }

            foreach (var file in files)
            {
                var problems = new List<string>();
                try
                {
                    var yaml = YamlMap.Load(file);
                    var key = kind == "datasources" ? "datasources" : "providers";
                    var entries = yaml.At(key).AsList();
                    if (entries.Count == 0)
                    {
                        problems.Add($"no {key}");
                    }

                    for (var i = 0; i < entries.Count; i++)
                    {
                        var entry = entries[i];
                        if (kind == "datasources")
                        {
                            var uid = entry.At("uid").AsText();
                            if (string.IsNullOrEmpty(uid) || string.IsNullOrEmpty(entry.At("type").AsText()))
                            {
                                problems.Add($"datasources[{i}] '{entry.At("name")}' needs a uid and a type");
                            }
                            else
                            {
                                uids.Add(uid);
                            }
                        }
                        else if (string.IsNullOrEmpty(entry.At("options", "path").AsText()))
                        {
                            problems.Add($"providers[{i}] '{entry.At("name")}' has no options.path");
                        }
                    }
                }
                catch (YamlFormatException e)
                {
                    problems.Add(e.Message);
                }

                yield return CheckResult.From(context.Display(file), ProvisioningName, problems);
            }
        }
    }
}
