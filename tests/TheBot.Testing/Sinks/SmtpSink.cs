using System.Buffers;
using System.Net;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

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
    private readonly List<string> _transcript = [];

    private SmtpSink(TcpListener listener, X509Certificate2 certificate, string caFile, string user, string password, NotificationLog log)
    {
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _certificate = certificate;
        CaFile = caFile;
        User = user;
        Password = password;
        Log = log;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("127.0.0.1")
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Loopback, Port))
                .IsSecure(false)
                .Certificate(certificate)
                .AllowUnsecureAuthentication(false)
                .AuthenticationRequired())
            .Build();
        var services = new ServiceProvider();
        services.Add(new BoundListenerFactory(listener));
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

    /// <summary>The name of every SMTP command received so far (never its arguments: AUTH carries the password), in order, over all sessions.</summary>
    public IReadOnlyList<string> Commands()
    {
        lock (_transcript)
        {
            return [.. _transcript];
        }
    }

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
        // Bound here, on port 0, before anything else can take the port: picking a free port and letting the server
        // bind it later leaves a window in which another test's process can take it.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new SmtpSink(listener, pfx, caFile, user, password, log ?? new NotificationLog());
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
        lock (_transcript)
        {
            _transcript.Add(line);
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

        var subjectMatch = Regex.Match(subject, @"^\[THE_BOT (?<status>FIRING|RESOLVED)\] (?<alert>\S+) — (?<severity>\S+) / (?<component>\S+)( in (?<cluster>\S+))?$");
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
        HttpSinks.AddCluster(labels, subjectMatch);
        var summary = Regex.Match(html, @"<b>(?<s>[^<]+)</b>").Groups["s"].Value;
        var runbook = Regex.Match(html, @"<a href=""(?<u>[^""]+)"">Runbook</a>").Groups["u"].Value;
        return new Notification("email", recipient, subjectMatch.Groups["status"].Value.ToLowerInvariant(), labels["alertname"], labels,
            summary.Length == 0 ? null : WebUtility.HtmlDecode(summary), runbook.Length == 0 ? null : WebUtility.HtmlDecode(runbook), DateTimeOffset.UtcNow, problems, raw);
    }

    /// <summary>Hands the server the listener <see cref="Start"/> already bound (SmtpServer would bind its endpoint itself).</summary>
    private sealed class BoundListenerFactory(TcpListener listener) : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) => new BoundListener(listener);
    }

    /// <summary>Accepts each session's connection on the already bound listener.</summary>
    private sealed class BoundListener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            return new TcpPipe(client);
        }

        public void Dispose() => listener.Stop();
    }

    /// <summary>One session's connection as the pipe SmtpServer reads and writes, upgraded in place by STARTTLS.</summary>
    private sealed class TcpPipe : ISecurableDuplexPipe
    {
        private readonly TcpClient _client;
        private Stream _stream;

        public TcpPipe(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
            Input = PipeReader.Create(_stream);
            Output = PipeWriter.Create(_stream);
        }

        public PipeReader Input { get; private set; }

        public PipeWriter Output { get; private set; }

        public bool IsSecure => _stream is SslStream;

        public SslProtocols SslProtocol => (_stream as SslStream)?.SslProtocol ?? SslProtocols.None;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            var tls = new SslStream(_stream, leaveInnerStreamOpen: true);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = protocols }, cancellationToken);
            _stream = tls;
            Input = PipeReader.Create(_stream);
            Output = PipeWriter.Create(_stream);
        }

        public void Dispose()
        {
            _stream.Dispose();
            _client.Dispose();
        }
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
