using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using TheBot.Stack;

namespace TheBot.Testing.Sinks;

/// <summary>
/// An SMTP submission server on a free loopback port with mandatory TLS, as Alertmanager meets one in production:
/// STARTTLS with a self-signed certificate (<see cref="CaFile"/> for the client to trust), AUTH PLAIN/LOGIN only
/// after TLS and required before MAIL (530), wrong credentials refused (535). The protocol is the SmtpServer
/// library's; each accepted message is parsed with MimeKit (headers, RFC 2047 words, multipart, transfer encodings)
/// and recorded per recipient in <see cref="Log"/>.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly SmtpServer.SmtpServer _server;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    private SmtpSink(int port, X509Certificate2 certificate, string caFile, string user, string password, NotificationLog log)
    {
        Port = port;
        _certificate = certificate;
        CaFile = caFile;
        User = user;
        Password = password;
        Log = log;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("127.0.0.1")
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Loopback, port))
                .IsSecure(false)
                .Certificate(certificate)
                .AllowUnsecureAuthentication(false)
                .AuthenticationRequired())
            .Build();
        var services = new ServiceProvider();
        services.Add(new DelegatingUserAuthenticator((name, secret) => name == User && secret == Password));
        services.Add(new Store(this));
        _server = new SmtpServer.SmtpServer(options, services);
        _server.SessionCreated += (_, e) => e.Context.CommandExecuting += (_, c) => Note(c.Command.Name);
        _server.SessionFaulted += (_, e) => Note($"(session ended: {e.Exception.Message})");
        _running = _server.StartAsync(_stop.Token);
    }

    /// <summary>Port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>PEM file of the server's self-signed certificate (its own CA).</summary>
    public string CaFile { get; }

    /// <summary>Accepted user name.</summary>
    public string User { get; }

    /// <summary>Accepted password.</summary>
    public string Password { get; }

    /// <summary>What arrived.</summary>
    public NotificationLog Log { get; }

    /// <summary>The name of every SMTP command received (never its arguments: AUTH carries the password), in order, over all sessions.</summary>
    public List<string> Transcript { get; } = [];

    /// <summary>Starts the server; the certificate's PEM goes into <paramref name="directory"/>.</summary>
    public static SmtpSink Start(string directory, string user, string password, NotificationLog? log = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        var pfx = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
        Directory.CreateDirectory(directory);
        var caFile = Path.Combine(directory, "smtp-sink-ca.pem");
        File.WriteAllText(caFile, certificate.ExportCertificatePem());
        return new SmtpSink(Ports.GetFree(), pfx, caFile, user, password, log ?? new NotificationLog());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _server.Shutdown();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _certificate.Dispose();
        _stop.Dispose();
    }

    private void Note(string line)
    {
        lock (Transcript)
        {
            Transcript.Add(line);
        }
    }

    /// <summary>A message as a notification: Subject per thebot.email.subject, summary and runbook from the HTML part.</summary>
    private static Notification Parse(string recipient, MimeMessage mail, string raw)
    {
        var problems = new List<string>();
        foreach (var required in (string[])["From", "To", "Subject", "Date", "Message-Id"])
        {
            if (!mail.Headers.Contains(required))
            {
                problems.Add($"header {required} is missing");
            }
        }

        var subject = mail.Subject ?? string.Empty;
        var html = mail.HtmlBody ?? string.Empty;
        if (html.Length == 0)
        {
            problems.Add("no text/html part");
        }

        var subjectMatch = Regex.Match(subject, @"^\[THE_BOT (?<status>FIRING|RESOLVED)\] (?<alert>\S+) — (?<severity>\S+) / (?<component>\S+)$");
        if (!subjectMatch.Success)
        {
            problems.Add($"subject does not follow thebot.email.subject: '{subject}'");
        }

        var labels = new Dictionary<string, string>
        {
            ["alertname"] = subjectMatch.Groups["alert"].Value,
            ["severity"] = subjectMatch.Groups["severity"].Value,
            ["component"] = subjectMatch.Groups["component"].Value,
        };
        var summary = Regex.Match(html, @"<b>(?<s>[^<]+)</b>").Groups["s"].Value;
        var runbook = Regex.Match(html, @"<a href=""(?<u>[^""]+)"">Runbook</a>").Groups["u"].Value;
        return new Notification("email", recipient, subjectMatch.Groups["status"].Value.ToLowerInvariant(), labels["alertname"], labels,
            summary.Length == 0 ? null : WebUtility.HtmlDecode(summary), runbook.Length == 0 ? null : WebUtility.HtmlDecode(runbook), DateTimeOffset.UtcNow, problems, raw);
    }

    /// <summary>Records each accepted message once per recipient.</summary>
    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var bytes = buffer.ToArray();
            var raw = System.Text.Encoding.UTF8.GetString(bytes);
            using var stream = new MemoryStream(bytes);
            var mail = MimeMessage.Load(stream, cancellationToken);
            foreach (var recipient in transaction.To)
            {
                sink.Log.Add(Parse($"{recipient.User}@{recipient.Host}", mail, raw));
            }

            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
