using TheBot.Testing;
using TheBot.Testing.Sinks;
using Xunit;

namespace TheBot.Detection.Tests;

/// <summary>
/// The SMTP sink the suites read e-mail from, held to a real Alertmanager: it delivers through STARTTLS (trusting the
/// sink's CA) and AUTH, the sink records the parsed message; with a wrong password nothing is recorded.
/// </summary>
[Trait(TestCategory.Name, TestCategory.RealServers)]
public sealed class SmtpSinkTests
{
    private const string Runbook = "https://example.test/runbooks/SinkProbe.md";

    [Fact]
    public async Task A_real_Alertmanager_delivers_through_STARTTLS_and_AUTH_and_the_message_is_parsed()
    {
        var folder = Directory.CreateTempSubdirectory("thebot-smtp-sink-");
        try
        {
            await using var sink = SmtpSink.Start(folder.FullName, "alertmanager", "s3cret-" + Guid.NewGuid().ToString("N"));
            await using var alertmanager = await AlertmanagerServer.StartNewAsync(Config(sink, sink.Password));
            await alertmanager.PostAlertAsync(
                new Dictionary<string, string> { ["alertname"] = "SinkProbe", ["severity"] = "warning", ["component"] = "backend" },
                new Dictionary<string, string> { ["summary"] = "Probe <of> the sink", ["runbook_url"] = Runbook });

            var mail = await sink.Log.WaitForAsync(n => n.AlertName == "SinkProbe", TimeSpan.FromSeconds(30));
            Assert.NotNull(mail);
            Assert.True(mail.Valid, string.Join("; ", mail.Problems));
            Assert.Equal(("email", "ops@thebot.example", "firing"), (mail.Kind, mail.Target, mail.Status));
            Assert.Equal("Probe <of> the sink", mail.Summary);
            Assert.Equal(Runbook, mail.RunbookUrl);
            var commands = sink.Commands().ToList();
            Assert.True(commands.IndexOf("STARTTLS") is >= 0 and var tls && commands.IndexOf("AUTH") > tls && commands.IndexOf("MAIL") > commands.IndexOf("AUTH"),
                "expected STARTTLS, then AUTH, then MAIL: " + string.Join(", ", commands));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_wrong_password_delivers_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("thebot-smtp-sink-");
        try
        {
            await using var sink = SmtpSink.Start(folder.FullName, "alertmanager", "right-" + Guid.NewGuid().ToString("N"));
            await using var alertmanager = await AlertmanagerServer.StartNewAsync(Config(sink, "wrong"));
            await alertmanager.PostAlertAsync(new Dictionary<string, string> { ["alertname"] = "SinkProbe", ["severity"] = "warning", ["component"] = "backend" });

            // Alertmanager tries (group_wait 1 s) and gets 535; the sink saw AUTH and recorded no message.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!sink.Commands().Contains("AUTH") && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Contains("AUTH", sink.Commands());
            Assert.DoesNotContain("MAIL", sink.Commands());
            Assert.Empty(sink.Log.All);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string Config(SmtpSink sink, string password) => $$$"""
        route:
          receiver: mail
          group_by: [alertname]
          group_wait: 1s
          group_interval: 5m
        receivers:
          - name: mail
            email_configs:
              - to: ops@thebot.example
                from: alertmanager@thebot.example
                smarthost: 127.0.0.1:{{{sink.Port}}}
                hello: thebot-test
                auth_username: {{{sink.User}}}
                auth_password: {{{password}}}
                require_tls: true
                tls_config:
                  ca_file: {{{sink.CaFile}}}
                  server_name: 127.0.0.1
                headers:
                  Subject: '[THE_BOT {{ .Status | toUpper }}] {{ .CommonLabels.alertname }} — {{ .CommonLabels.severity }} / {{ .CommonLabels.component }}'
                html: '{{ range .Alerts }}<b>{{ .Annotations.summary }}</b> <a href="{{ .Annotations.runbook_url }}">Runbook</a>{{ end }}'
        """;
}
