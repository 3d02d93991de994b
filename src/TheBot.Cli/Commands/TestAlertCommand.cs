using System.CommandLine;
using System.Diagnostics;
using TheBot.Cli.Checks;
using TheBot.Cli.Clients;
using TheBot.Cli.Inbox;
using TheBot.Cli.Local;
using TheBot.Cli.Options;
using TheBot.Cli.Output;
using TheBot.Stack;
using TheBot.Stack.Components;

namespace TheBot.Cli.Commands;

/// <summary>
/// <c>./thebot test-alert --severity critical|warning</c>: posts a synthetic alert to Alertmanager, finds the receiver
/// the route tree picks (amtool, on the rendered config), and waits until that receiver has it in the local inbox.
/// </summary>
internal static class TestAlertCommand
{
    /// <summary>
    /// The expression the synthetic alert stands for, as its link to Prometheus shows it: always true, like the
    /// Watchdog's — the alert is not about any series, only about the way to the receiver.
    /// </summary>
    public const string Expression = "vector(1)";

    /// <summary>Shortest <c>--timeout</c>, in seconds: less waits for no delivery at all.</summary>
    public const int MinTimeoutSeconds = 1;

    /// <summary>Longest <c>--timeout</c>, in seconds: an hour, far beyond any route's group_wait.</summary>
    public const int MaxTimeoutSeconds = 3600;

    public static Command Create()
    {
        var severity = new Option<string>("--severity") { Description = "critical or warning", DefaultValueFactory = _ => "critical" };
        severity.AcceptOnlyFromAmong("critical", "warning");
        var timeout = new Option<int>("--timeout")
        {
            Description = $"Seconds to wait for delivery (covers the route's group_wait), {MinTimeoutSeconds} to {MaxTimeoutSeconds}",
            DefaultValueFactory = _ => 120,
        };
        // Checked while the line is parsed: a timeout that cannot wait for anything is refused (exit 2) before an alert
        // is posted, not reported as a failed delivery after one was.
        timeout.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1
                && int.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
                && seconds is < MinTimeoutSeconds or > MaxTimeoutSeconds)
            {
                result.AddError($"--timeout {seconds} is out of range: {MinTimeoutSeconds} to {MaxTimeoutSeconds} seconds");
            }
        });
        var command = StackOptions.Create("test-alert", "Send a synthetic alert through Alertmanager and report its delivery. Exit codes: 0 delivered to the receiver the route picks; 1 not delivered, delivered elsewhere, or no stack (the reason is printed); 2 bad flags (e.g. a --severity other than critical or warning, a --timeout outside 1-3600).");
        command.Options.Add(severity);
        command.Options.Add(timeout);
        VerbReport.AddJsonOption(command);
        command.SetAction(async (result, ct) =>
        {
            var report = VerbReport.For(result);
            return await report.EndAsync(await RunAsync(StackOptions.Location(result), result.GetValue(severity)!, TimeSpan.FromSeconds(result.GetValue(timeout)), report, ct));
        });
        return command;
    }

    public static Task<int> RunAsync(StackLocation location, string severity, TimeSpan timeout, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(location, severity, timeout, new VerbReport("test-alert", output, json: false), cancellationToken);

    private static async Task<int> RunAsync(StackLocation location, string severity, TimeSpan timeout, VerbReport report, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(location);
        var id = Guid.NewGuid().ToString("N")[..12];
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = "TheBotTestAlert",
            ["severity"] = severity,
            ["component"] = "monitoring",
            ["test_id"] = id,
        };
        report.Set("test_id", id);
        report.Set("severity", severity);
        string receiver;
        try
        {
            receiver = string.Join(",", await AlertmanagerRoutes.ReceiversAsync(stack.Renderer.AlertmanagerConfig, labels, cancellationToken));
        }
        catch (InvalidOperationException exception)
        {
            report.Fail($"cannot read the route tree: {exception.Message}", $"fix: ./thebot up --detach{StackOptions.StateFlags(location)}");
            return 1;
        }

        report.Set("expected_receiver", receiver);
        var alertmanager = new AlertmanagerClient(location.Url(ServiceNames.Alertmanager));
        // The notification's link to its source opens this stack's Prometheus (its port, offset included), as the
        // links of the alerts Prometheus itself sends do.
        var generatorUrl = stack.Prometheus.GraphUrl(Expression);
        // A hung Alertmanager (stopped, SIGSTOP) accepts the connection and never answers: the post waits no longer
        // than the delivery would (--timeout, at most the client's own limit), then says so.
        var answerWithin = timeout < AlertmanagerClient.RequestTimeout ? timeout : AlertmanagerClient.RequestTimeout;
        using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bounded.CancelAfter(answerWithin);
            try
            {
                await alertmanager.PostAlertAsync(labels, new Dictionary<string, string>
                {
                    ["summary"] = $"Synthetic {severity} alert from ./thebot test-alert ({id})",
                    ["description"] = "Sent on purpose to prove that notifications are delivered; nothing is wrong.",
                    ["runbook_url"] = "https://github.com/thebot-platform/thebot-monitoring/blob/main/docs/operations.md#notifications",
                }, generatorUrl, cancellationToken: bounded.Token);
            }
            catch (HttpRequestException exception)
            {
                report.Fail($"Alertmanager refused the alert: {exception.Message}", $"fix: ./thebot doctor{StackOptions.StateFlags(location)}");
                return 1;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                report.Fail($"Alertmanager at {alertmanager.BaseUrl} did not answer within {answerWithin.TotalSeconds:F0} s (POST /api/v2/alerts); no alert was delivered",
                    $"fix: is it stopped (SIGSTOP) or overloaded? ./thebot doctor{StackOptions.StateFlags(location)}; or ./thebot restart {ServiceNames.Alertmanager}{StackOptions.StateFlags(location)}");
                return 1;
            }
        }

        report.Info($"… sent TheBotTestAlert test_id={id} severity={severity}; the route picks {receiver}; waiting up to {timeout.TotalSeconds:F0} s");
        var watch = Stopwatch.StartNew();
        InboxContents? inbox = null;
        while (watch.Elapsed < timeout)
        {
            inbox = NotificationInbox.ReadAll(stack.InboxDirectory);
            var delivered = inbox.Notifications.FirstOrDefault(n =>
                n["payload"]?["alerts"]?.AsArray().Any(a => a?["labels"]?["test_id"]?.GetValue<string>() == id) == true);
            if (delivered is not null)
            {
                var to = delivered["receiver"]!.GetValue<string>();
                report.Set("delivered_to", to);
                report.Set("seconds", Math.Round(watch.Elapsed.TotalSeconds, 1));
                if (to == receiver)
                {
                    report.Ok($"delivered to {to} after {watch.Elapsed.TotalSeconds:F1} s");
                }
                else
                {
                    report.Fail($"delivered to {to}, but the route says {receiver}");
                }

                await ResolveAsync(alertmanager, labels, generatorUrl, report, cancellationToken);
                return to == receiver ? 0 : 1;
            }

            await Task.Delay(500, cancellationToken);
        }

        // The most common local cause: the inbox itself is not running, so Alertmanager's posts to it fail.
        var inboxPort = location.Ports[ServiceNames.Inbox];
        var hint = Ports.IsFree(inboxPort)
            ? $"fix: the local inbox is not listening on 127.0.0.1:{inboxPort}: ./thebot start inbox{StackOptions.StateFlags(location)}"
            : $"fix: with real receivers configured the local inbox gets nothing — check the receiver itself; otherwise read {location.Paths.LogFile(ServiceNames.Alertmanager)}";
        // A cut-short line may have been this alert's notification: say so rather than only "not delivered".
        var unreadable = inbox?.UnreadableNote is { } note ? "; " + note : string.Empty;
        report.Fail($"not delivered to {receiver} within {timeout.TotalSeconds:F0} s (inbox: {stack.InboxDirectory}){unreadable}", hint);
        await ResolveAsync(alertmanager, labels, generatorUrl, report, cancellationToken);
        return 1;
    }

    /// <summary>
    /// Resolves the synthetic alert. An Alertmanager that stopped answering since the post only gets a warning: the
    /// verdict on the delivery stands, and the alert resolves on its own after Alertmanager's resolve_timeout.
    /// </summary>
    private static async Task ResolveAsync(AlertmanagerClient alertmanager, Dictionary<string, string> labels, string generatorUrl, VerbReport report, CancellationToken cancellationToken)
    {
        try
        {
            await alertmanager.PostAlertAsync(labels, new Dictionary<string, string>(), generatorUrl, DateTimeOffset.UtcNow, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            report.Warn($"could not resolve the test alert at {alertmanager.BaseUrl}: {(exception is HttpRequestException ? exception.Message : $"no answer within {AlertmanagerClient.RequestTimeout.TotalSeconds:F0} s")}; it resolves on its own after Alertmanager's resolve_timeout");
        }
    }
}
