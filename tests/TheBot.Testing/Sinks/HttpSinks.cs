using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TheBot.Stack;

namespace TheBot.Testing.Sinks;

/// <summary>
/// Local stand-ins for Slack incoming webhooks, the PagerDuty Events API v2 and generic webhooks (Alertmanager's
/// webhook JSON, version 4), on one Kestrel server on a free loopback port. Each validates a payload the way the real
/// service does (and answers like it: Slack 400 <c>invalid_payload</c>/<c>no_text</c>, PagerDuty 400 <c>invalid event</c>)
/// and records it in <see cref="Log"/>.
/// </summary>
public sealed partial class HttpSinks : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpSinks(WebApplication app, int port, string routingKey, NotificationLog log)
    {
        _app = app;
        Port = port;
        RoutingKey = routingKey;
        Log = log;
    }

    /// <summary>Port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The PagerDuty integration key the sink accepts.</summary>
    public string RoutingKey { get; }

    /// <summary>What arrived.</summary>
    public NotificationLog Log { get; }

    /// <summary>
    /// The channel each Slack incoming webhook posts to. A Slack app's webhook is created for one channel and posts
    /// there whatever the payload's <c>channel</c> says, so the sink records the webhook's channel, as Slack would show
    /// it: a receiver pointed at the wrong webhook lands in the wrong channel here too.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> SlackWebhookChannels = new Dictionary<string, string>
    {
        ["B0CRITICAL"] = "#thebot-critical",
        ["B0OPS"] = "#thebot-ops",
    };

    /// <summary>Slack incoming-webhook URL of #thebot-critical (the path mimics hooks.slack.com/services/T/B/secret).</summary>
    public string SlackUrl => SlackWebhookUrl("B0CRITICAL");

    /// <summary>Slack incoming-webhook URL of #thebot-ops.</summary>
    public string SlackOpsUrl => SlackWebhookUrl("B0OPS");

    private string SlackWebhookUrl(string webhook) => $"http://127.0.0.1:{Port}/slack/services/T0THEBOT/{webhook}/detectionsecret";

    /// <summary>Events API v2 enqueue URL.</summary>
    public string PagerDutyUrl => $"http://127.0.0.1:{Port}/pagerduty/v2/enqueue";

    /// <summary>A generic webhook URL; <paramref name="name"/> only tells hooks apart in logs.</summary>
    public string WebhookUrl(string name) => $"http://127.0.0.1:{Port}/webhook/{name}";

    /// <summary>Starts the sinks on a free port, sharing <paramref name="log"/> (a new one when null).</summary>
    public static async Task<HttpSinks> StartAsync(string routingKey, NotificationLog? log = null)
    {
        log ??= new NotificationLog();
        var port = Ports.GetFree();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapPost("/slack/services/T0THEBOT/{webhook}/detectionsecret", async (HttpContext context, string webhook) =>
        {
            var (raw, json) = await ReadJsonAsync(context);
            var (notification, error) = Slack(raw, json);
            notification = notification with { Target = SlackWebhookChannels.GetValueOrDefault(webhook, "(unknown webhook)") };
            log.Add(notification);
            context.Response.StatusCode = error is null ? 200 : 400;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(error ?? "ok");
        });
        app.MapPost("/pagerduty/v2/enqueue", async context =>
        {
            var (raw, json) = await ReadJsonAsync(context);
            var notification = PagerDuty(raw, json, routingKey);
            log.Add(notification);
            context.Response.StatusCode = notification.Valid ? 202 : 400;
            await context.Response.WriteAsJsonAsync(notification.Valid
                ? new Dictionary<string, object> { ["status"] = "success", ["message"] = "Event processed", ["dedup_key"] = json?.GetProperty("dedup_key").GetString() ?? string.Empty }
                : new Dictionary<string, object> { ["status"] = "invalid event", ["message"] = "Event object is invalid", ["errors"] = notification.Problems });
        });
        app.MapPost("/webhook/{name}", async context =>
        {
            var (raw, json) = await ReadJsonAsync(context);
            foreach (var notification in Webhook(raw, json))
            {
                log.Add(notification);
            }

            context.Response.StatusCode = 200;
        });
        await app.StartAsync();
        return new HttpSinks(app, port, routingKey, log);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task<(string Raw, JsonElement? Json)> ReadJsonAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var raw = await reader.ReadToEndAsync();
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return (raw, null);
        }

        try
        {
            using var document = JsonDocument.Parse(raw);
            return (raw, document.RootElement.Clone());
        }
        catch (JsonException)
        {
            return (raw, null);
        }
    }

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Slack accepts a JSON object with a non-empty <c>text</c>, or attachments/blocks; each attachment needs text or fallback.</summary>
    internal static (Notification Notification, string? Error) Slack(string raw, JsonElement? json)
    {
        var problems = new List<string>();
        string title = string.Empty, text = string.Empty, channel = string.Empty;
        if (json is not { ValueKind: JsonValueKind.Object } root)
        {
            problems.Add("invalid_payload: body is not a JSON object sent as application/json");
        }
        else
        {
            channel = Str(root, "channel") ?? string.Empty;
            var attachments = root.TryGetProperty("attachments", out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().ToList() : [];
            if (string.IsNullOrWhiteSpace(Str(root, "text")) && attachments.Count == 0 && !root.TryGetProperty("blocks", out _))
            {
                problems.Add("no_text: neither text nor attachments nor blocks");
            }

            foreach (var attachment in attachments)
            {
                if (string.IsNullOrWhiteSpace(Str(attachment, "text")) && string.IsNullOrWhiteSpace(Str(attachment, "fallback")))
                {
                    problems.Add("invalid_attachments: an attachment has neither text nor fallback");
                }
            }

            title = attachments.Select(x => Str(x, "title")).FirstOrDefault(t => t is not null) ?? Str(root, "text") ?? string.Empty;
            text = attachments.Select(x => Str(x, "text")).FirstOrDefault(t => t is not null) ?? Str(root, "text") ?? string.Empty;
        }

        var titleMatch = SlackTitle().Match(title);
        if (!titleMatch.Success && problems.Count == 0)
        {
            problems.Add($"title does not follow thebot.slack.title: '{title}'");
        }

        var alert = titleMatch.Groups["alert"].Value;
        var labels = new Dictionary<string, string> { ["alertname"] = alert, ["severity"] = titleMatch.Groups["severity"].Value, ["component"] = titleMatch.Groups["component"].Value };
        AddCluster(labels, titleMatch);
        var summary = Regex.Match(text, @"^\*[^*]+\* — (?<s>.+)$", RegexOptions.Multiline).Groups["s"].Value.Trim();
        var runbook = Regex.Match(text, @"<(?<u>[^|>]+)\|Runbook>").Groups["u"].Value;
        var status = titleMatch.Groups["status"].Value.ToLowerInvariant();
        return (new Notification("slack", channel, status, alert, labels, summary.Length == 0 ? null : summary, runbook.Length == 0 ? null : runbook,
            DateTimeOffset.UtcNow, problems, raw), problems.Count == 0 ? null : problems[0].Split(':')[0]);
    }

    /// <summary>Events API v2: routing_key (32 characters, the known key), event_action, dedup_key; trigger needs payload.summary/source/severity.</summary>
    internal static Notification PagerDuty(string raw, JsonElement? json, string routingKey)
    {
        var problems = new List<string>();
        string action = string.Empty, summary = string.Empty, severity = string.Empty, details = string.Empty, source = string.Empty;
        if (json is not { ValueKind: JsonValueKind.Object } root)
        {
            problems.Add("body is not a JSON object sent as application/json");
        }
        else
        {
            var key = Str(root, "routing_key");
            if (key is null || key.Length != 32)
            {
                problems.Add("routing_key must be a 32-character integration key");
            }
            else if (key != routingKey)
            {
                problems.Add("routing_key is not this service's integration key");
            }

            action = Str(root, "event_action") ?? string.Empty;
            if (action is not ("trigger" or "acknowledge" or "resolve"))
            {
                problems.Add($"event_action must be trigger, acknowledge or resolve (got '{action}')");
            }

            var dedup = Str(root, "dedup_key");
            if (string.IsNullOrEmpty(dedup) || dedup.Length > 255)
            {
                problems.Add("dedup_key is required (1-255 characters) so a resolve can find its trigger");
            }

            if (root.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.Object)
            {
                summary = Str(payload, "summary") ?? string.Empty;
                severity = Str(payload, "severity") ?? string.Empty;
                details = payload.TryGetProperty("custom_details", out var custom) ? custom.GetRawText() : string.Empty;
                source = Str(payload, "source") ?? string.Empty;
                if (action == "trigger")
                {
                    if (summary.Length is 0 or > 1024)
                    {
                        problems.Add("payload.summary is required (at most 1024 characters)");
                    }

                    if (string.IsNullOrEmpty(Str(payload, "source")))
                    {
                        problems.Add("payload.source is required");
                    }

                    if (severity is not ("critical" or "error" or "warning" or "info"))
                    {
                        problems.Add($"payload.severity must be critical, error, warning or info (got '{severity}')");
                    }
                }
            }
            else if (action == "trigger")
            {
                problems.Add("payload is required for a trigger");
            }
        }

        var description = PagerDutySummary().Match(summary);
        var alert = description.Groups["alert"].Value;
        var labels = new Dictionary<string, string> { ["alertname"] = alert, ["severity"] = severity, ["component"] = description.Groups["component"].Value };
        AddCluster(labels, description);
        if (source.Length > 0)
        {
            labels["source"] = source;
        }

        // From the raw custom_details JSON: a URL ends at whitespace, a '|', or where its JSON string does (an escaped
        // newline or the closing quote), so a runbook written last in a detail is read without them.
        var runbook = Regex.Match(details, @"runbook: (?<u>[^\s|\\""]+)").Groups["u"].Value;
        return new Notification("pagerduty", "routing-key", action == "resolve" ? "resolved" : action == "trigger" ? "firing" : action, alert, labels,
            description.Success ? description.Groups["summary"].Value : null, runbook.Length == 0 ? null : runbook, DateTimeOffset.UtcNow, problems, raw);
    }

    /// <summary>Alertmanager webhook JSON version 4: one notification per alert of the group.</summary>
    internal static IEnumerable<Notification> Webhook(string raw, JsonElement? json)
    {
        var problems = new List<string>();
        if (json is not { ValueKind: JsonValueKind.Object } root)
        {
            yield return new Notification("webhook", string.Empty, string.Empty, string.Empty, new Dictionary<string, string>(), null, null, DateTimeOffset.UtcNow,
                ["body is not a JSON object sent as application/json"], raw);
            yield break;
        }

        if (Str(root, "version") != "4")
        {
            problems.Add("version must be \"4\"");
        }

        foreach (var field in (string[])["groupKey", "status", "receiver", "externalURL"])
        {
            if (string.IsNullOrEmpty(Str(root, field)))
            {
                problems.Add($"{field} is required");
            }
        }

        foreach (var field in (string[])["groupLabels", "commonLabels", "commonAnnotations"])
        {
            if (!root.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{field} must be an object");
            }
        }

        var alerts = root.TryGetProperty("alerts", out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().ToList() : [];
        if (alerts.Count == 0)
        {
            problems.Add("alerts must be a non-empty array");
        }

        var receiver = Str(root, "receiver") ?? string.Empty;
        foreach (var alert in alerts)
        {
            var own = new List<string>(problems);
            var labels = alert.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object
                ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty)
                : [];
            var annotations = alert.TryGetProperty("annotations", out var n) && n.ValueKind == JsonValueKind.Object
                ? n.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty)
                : [];
            var status = Str(alert, "status") ?? string.Empty;
            if (status is not ("firing" or "resolved"))
            {
                own.Add("alert status must be firing or resolved");
            }

            if (!labels.ContainsKey("alertname"))
            {
                own.Add("alert has no alertname label");
            }

            if (!DateTimeOffset.TryParse(Str(alert, "startsAt"), out _) || string.IsNullOrEmpty(Str(alert, "fingerprint")))
            {
                own.Add("alert needs startsAt and fingerprint");
            }

            yield return new Notification("webhook", receiver, status, labels.GetValueOrDefault("alertname", string.Empty), labels,
                annotations.GetValueOrDefault("summary"), annotations.GetValueOrDefault("runbook_url"), DateTimeOffset.UtcNow, own, raw);
        }
    }

    /// <summary>The cluster a headline names (thebot.where: " in CLUSTER"), as the label <c>cluster</c>; none when it names none.</summary>
    internal static void AddCluster(Dictionary<string, string> labels, Match headline)
    {
        if (headline.Groups["cluster"].Success)
        {
            labels["cluster"] = headline.Groups["cluster"].Value;
        }
    }

    [GeneratedRegex(@"^\[(?<status>FIRING|RESOLVED)(:\d+)?\] (?<alert>\S+) \((?<severity>[^,]*), (?<component>[^)]*)\)( in (?<cluster>\S+))?$")]
    private static partial Regex SlackTitle();

    [GeneratedRegex(@"^\[(?<severity>[A-Z]+)\] (?<alert>\S+) \((?<component>[^)]*)\)( in (?<cluster>\S+))?: (?<summary>.+)$")]
    private static partial Regex PagerDutySummary();
}
