using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using TheBot.Stack;

namespace TheBot.Testing.Sinks;

/// <summary>
/// A small SMTP server on a free loopback port that holds a real conversation the way a submission server with
/// mandatory TLS does: greeting, EHLO (advertising STARTTLS only before TLS and AUTH PLAIN LOGIN only after it),
/// STARTTLS with a self-signed certificate (<see cref="CaFile"/> for the client to trust), AUTH with the known
/// credentials (530 for MAIL before AUTH or AUTH before TLS, 535 for wrong credentials), MAIL FROM, RCPT TO, DATA
/// (dot-unstuffed), QUIT. Each accepted message is parsed (headers with RFC 2047 words, multipart, quoted-printable)
/// and recorded per recipient in <see cref="Log"/>.
/// </summary>
public sealed partial class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private SmtpSink(TcpListener listener, X509Certificate2 certificate, string caFile, string user, string password, NotificationLog log)
    {
        _listener = listener;
        _certificate = certificate;
        CaFile = caFile;
        User = user;
        Password = password;
        Log = log;
        _accepting = AcceptLoopAsync();
    }

    /// <summary>Port on 127.0.0.1.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>PEM file of the server's self-signed certificate (its own CA).</summary>
    public string CaFile { get; }

    /// <summary>Accepted user name.</summary>
    public string User { get; }

    /// <summary>Accepted password.</summary>
    public string Password { get; }

    /// <summary>What arrived.</summary>
    public NotificationLog Log { get; }

    /// <summary>Every SMTP command received (AUTH arguments masked), in order, over all sessions.</summary>
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
        var listener = new TcpListener(IPAddress.Loopback, Ports.GetFree());
        listener.Start();
        return new SmtpSink(listener, pfx, caFile, user, password, log ?? new NotificationLog());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _certificate.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await SessionAsync(client.GetStream());
                    }
                    catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                    {
                        lock (Transcript)
                        {
                            Transcript.Add($"(session ended: {e.Message})");
                        }
                    }
                }
            });
        }
    }

    private void Note(string line)
    {
        lock (Transcript)
        {
            Transcript.Add(line);
        }
    }

    private async Task SessionAsync(Stream network)
    {
        Stream stream = network;
        var reader = new LineReader(stream);
        async Task Reply(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"), _stop.Token);

        bool tls = false, authenticated = false;
        string? from = null;
        var recipients = new List<string>();
        await Reply("220 127.0.0.1 ESMTP thebot-sink");
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            Note(verb == "AUTH" ? "AUTH " + line.Split(' ').ElementAtOrDefault(1) : line);
            switch (verb)
            {
                case "EHLO" or "HELO":
                    await Reply(tls ? "250-127.0.0.1\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 10485760" : "250-127.0.0.1\r\n250-STARTTLS\r\n250 SIZE 10485760");
                    break;
                case "STARTTLS" when !tls:
                    await Reply("220 2.0.0 Ready to start TLS");
                    var ssl = new SslStream(network, leaveInnerStreamOpen: false);
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                    stream = ssl;
                    reader = new LineReader(stream);
                    tls = true;
                    authenticated = false;
                    break;
                case "AUTH" when !tls:
                    await Reply("530 5.7.0 Must issue a STARTTLS command first");
                    break;
                case "AUTH":
                    var parts = line.Split(' ');
                    string? user = null, password = null;
                    if (parts.Length >= 2 && parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
                    {
                        var encoded = parts.Length >= 3 ? parts[2] : await PromptAsync(Reply, reader, string.Empty);
                        var fields = Encoding.UTF8.GetString(Convert.FromBase64String(encoded ?? string.Empty)).Split('\0');
                        if (fields.Length == 3)
                        {
                            (user, password) = (fields[1], fields[2]);
                        }
                    }
                    else if (parts.Length >= 2 && parts[1].Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
                    {
                        user = Encoding.UTF8.GetString(Convert.FromBase64String(await PromptAsync(Reply, reader, "VXNlcm5hbWU6") ?? string.Empty));
                        password = Encoding.UTF8.GetString(Convert.FromBase64String(await PromptAsync(Reply, reader, "UGFzc3dvcmQ6") ?? string.Empty));
                    }

                    authenticated = user == User && password == Password;
                    await Reply(authenticated ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
                    break;
                case "MAIL" when !tls:
                    await Reply("530 5.7.0 Must issue a STARTTLS command first");
                    break;
                case "MAIL" when !authenticated:
                    await Reply("530 5.7.0 Authentication required");
                    break;
                case "MAIL":
                    from = Address().Match(line).Groups["a"].Value;
                    recipients.Clear();
                    await Reply("250 2.1.0 Ok");
                    break;
                case "RCPT" when from is null:
                    await Reply("503 5.5.1 Need MAIL command");
                    break;
                case "RCPT":
                    recipients.Add(Address().Match(line).Groups["a"].Value);
                    await Reply("250 2.1.5 Ok");
                    break;
                case "DATA" when recipients.Count == 0:
                    await Reply("503 5.5.1 Need RCPT command");
                    break;
                case "DATA":
                    await Reply("354 End data with <CR><LF>.<CR><LF>");
                    var message = new StringBuilder();
                    while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                    {
                        message.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                    }

                    foreach (var recipient in recipients)
                    {
                        Log.Add(Parse(recipient, from!, message.ToString()));
                    }

                    from = null;
                    recipients.Clear();
                    await Reply("250 2.0.0 Ok: queued");
                    break;
                case "RSET":
                    from = null;
                    recipients.Clear();
                    await Reply("250 2.0.0 Ok");
                    break;
                case "NOOP":
                    await Reply("250 2.0.0 Ok");
                    break;
                case "QUIT":
                    await Reply("221 2.0.0 Bye");
                    return;
                default:
                    await Reply("502 5.5.2 Command not recognized");
                    break;
            }
        }
    }

    private static async Task<string?> PromptAsync(Func<string, Task> reply, LineReader reader, string challenge)
    {
        await reply("334 " + challenge);
        return await reader.ReadLineAsync(CancellationToken.None);
    }

    /// <summary>Parses a message into a notification: Subject per thebot.email.subject, summary and runbook from the HTML part.</summary>
    internal static Notification Parse(string recipient, string from, string message)
    {
        var problems = new List<string>();
        var split = message.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headerText = split < 0 ? message : message[..split];
        var body = split < 0 ? string.Empty : message[(split + 4)..];
        var headers = ParseHeaders(headerText);
        foreach (var required in (string[])["From", "To", "Subject", "Date", "Message-Id"])
        {
            if (!headers.ContainsKey(required))
            {
                problems.Add($"header {required} is missing");
            }
        }

        var subject = DecodeWords(headers.GetValueOrDefault("Subject", string.Empty));
        var html = ExtractHtml(headers.GetValueOrDefault("Content-Type", "text/plain"), headers.GetValueOrDefault("Content-Transfer-Encoding", "7bit"), body);
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
            summary.Length == 0 ? null : WebUtility.HtmlDecode(summary), runbook.Length == 0 ? null : WebUtility.HtmlDecode(runbook), DateTimeOffset.UtcNow, problems, message);
    }

    private static Dictionary<string, string> ParseHeaders(string text)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? last = null;
        foreach (var line in text.Split("\r\n"))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && last is not null)
            {
                headers[last] += " " + line.Trim();
            }
            else if (line.IndexOf(':') is > 0 and var colon)
            {
                last = line[..colon].Trim();
                headers[last] = line[(colon + 1)..].Trim();
            }
        }

        return headers;
    }

    private static string ExtractHtml(string contentType, string encoding, string body)
    {
        if (contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = Regex.Match(contentType, @"boundary=""?(?<b>[^"";]+)""?").Groups["b"].Value;
            foreach (var part in body.Split("--" + boundary).Skip(1))
            {
                if (part.StartsWith("--", StringComparison.Ordinal))
                {
                    break;
                }

                var trimmed = part.TrimStart('\r', '\n');
                var split = trimmed.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (split < 0)
                {
                    continue;
                }

                var headers = ParseHeaders(trimmed[..split]);
                var html = ExtractHtml(headers.GetValueOrDefault("Content-Type", "text/plain"), headers.GetValueOrDefault("Content-Transfer-Encoding", "7bit"), trimmed[(split + 4)..]);
                if (html.Length > 0)
                {
                    return html;
                }
            }

            return string.Empty;
        }

        if (!contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase))
        {
            return string.Empty;
        }

        return encoding.ToLowerInvariant() switch
        {
            "quoted-printable" => DecodeQuotedPrintable(body),
            "base64" => Encoding.UTF8.GetString(Convert.FromBase64String(Regex.Replace(body, @"\s", string.Empty))),
            _ => body,
        };
    }

    internal static string DecodeQuotedPrintable(string text)
    {
        var bytes = new List<byte>();
        var unfolded = text.Replace("=\r\n", string.Empty, StringComparison.Ordinal);
        for (var i = 0; i < unfolded.Length; i++)
        {
            if (unfolded[i] == '=' && i + 2 < unfolded.Length && Uri.IsHexDigit(unfolded[i + 1]) && Uri.IsHexDigit(unfolded[i + 2]))
            {
                bytes.Add(Convert.ToByte(unfolded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(unfolded[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>Decodes RFC 2047 encoded words (<c>=?UTF-8?q?...?=</c>, <c>=?UTF-8?b?...?=</c>); whitespace between adjacent words is dropped.</summary>
    internal static string DecodeWords(string text)
    {
        var joined = Regex.Replace(text, @"\?=\s+=\?", "?==?");
        return EncodedWord().Replace(joined, m =>
        {
            var encoding = Encoding.GetEncoding(m.Groups["charset"].Value);
            var data = m.Groups["data"].Value;
            return m.Groups["enc"].Value.ToUpperInvariant() == "B"
                ? encoding.GetString(Convert.FromBase64String(data))
                : encoding.GetString(Encoding.Latin1.GetBytes(DecodeQuotedPrintableLatin1(data.Replace('_', ' '))));
        });
    }

    private static string DecodeQuotedPrintableLatin1(string text) =>
        Regex.Replace(text, "=(?<h>[0-9A-Fa-f]{2})", m => ((char)Convert.ToByte(m.Groups["h"].Value, 16)).ToString());

    [GeneratedRegex(@"=\?(?<charset>[^?]+)\?(?<enc>[QqBb])\?(?<data>[^?]*)\?=")]
    private static partial Regex EncodedWord();

    [GeneratedRegex("<(?<a>[^>]*)>")]
    private static partial Regex Address();

    /// <summary>Reads CRLF-terminated lines without buffering past what the TLS switch needs (the client waits for 220 before the handshake).</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _one = new byte[1];

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                var read = await stream.ReadAsync(_one, cancellationToken);
                if (read == 0)
                {
                    return line.Count == 0 ? null : Encoding.UTF8.GetString([.. line]);
                }

                if (_one[0] == '\n')
                {
                    if (line.Count > 0 && line[^1] == '\r')
                    {
                        line.RemoveAt(line.Count - 1);
                    }

                    return Encoding.UTF8.GetString([.. line]);
                }

                line.Add(_one[0]);
            }
        }
    }
}
