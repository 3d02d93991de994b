using System.Net;
using System.Net.Sockets;
using System.Text;
using TheBot.Stack;

namespace TheBot.Cli.Tests;

/// <summary>
/// A loopback TCP listener where a stack's Alertmanager would be, on a free port with the <see cref="PortOffset"/> that
/// puts Alertmanager there: it answers every request 200 with an empty body, or (<c>answers: false</c>) accepts the
/// connection and never answers, as a stopped (SIGSTOP) Alertmanager does.
/// </summary>
internal sealed class FakeAlertmanager : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = [];

    public FakeAlertmanager(bool answers)
    {
        _listener.Start();
        _ = AcceptAsync(answers);
    }

    /// <summary>The <c>--port-offset</c> that puts the stack's Alertmanager on this listener (the other ports move with it).</summary>
    public int PortOffset => ((IPEndPoint)_listener.LocalEndpoint).Port - PortPlan.Defaults[ServiceNames.Alertmanager];

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held)
        {
            _held.ForEach(c => c.Dispose());
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(bool answers)
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_held)
                {
                    _held.Add(client);
                }

                if (answers)
                {
                    _ = AnswerAsync(client);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped
        }
    }

    /// <summary>Reads the request up to the end of its body (Content-Length or the last chunk) and answers 200, closing the connection.</summary>
    private async Task AnswerAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var received = new List<byte>();
            var buffer = new byte[8192];
            while (true)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                received.AddRange(buffer.AsSpan(0, read));
                var text = Encoding.ASCII.GetString([.. received]);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0)
                {
                    continue;
                }

                if (text[..end].Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
                {
                    if (text.EndsWith("0\r\n\r\n", StringComparison.Ordinal))
                    {
                        break; // the last chunk
                    }

                    continue;
                }

                var length = text[..end].Split("\r\n").Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                if (received.Count >= end + 4 + length)
                {
                    break;
                }
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token);
            client.Close();
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or IOException or SocketException)
        {
            // stopped
        }
    }
}
