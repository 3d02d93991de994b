using System.Net.Sockets;
using System.Text;

namespace TheBot.Platform.Tests.Support;

/// <summary>
/// Bytes on a loopback TCP connection, for requests no HTTP client would send. Every call is bounded in time: the
/// answer is read until the server closes or <see cref="ReadTimeout"/> passes.
/// </summary>
public static class RawHttp
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a client that sent an incomplete request waits before it gives up and closes.</summary>
    public static readonly TimeSpan AbandonAfter = TimeSpan.FromSeconds(1);

    /// <summary>What came back: the status of the first response line (0: none), or that the server closed without one.</summary>
    /// <param name="Status">Status code of the first response, 0 when there was none.</param>
    /// <param name="Head">The response's first line (or what was read), for messages.</param>
    /// <param name="TimedOut">The server neither answered nor closed within <see cref="ReadTimeout"/>.</param>
    /// <param name="Received">Everything read (the response head, perhaps part of the body).</param>
    public readonly record struct Answer(int Status, string Head, bool TimedOut, string Received)
    {
        /// <summary>A client error, or the connection closed without an answer: what a hostile request may get.</summary>
        public bool IsRefusal => Status is >= 400 and < 500 || (Status == 0 && !TimedOut);

        public override string ToString() => Status > 0 ? Head : TimedOut ? "no answer (timeout)" : "closed";
    }

    /// <summary>
    /// Sends <paramref name="request"/> and reads the first response head within <paramref name="wait"/> (default
    /// <see cref="ReadTimeout"/>); then closes the connection, as a client that got its answer or gave up would.
    /// </summary>
    public static async Task<Answer> SendAsync(int port, byte[] request, TimeSpan? wait = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request);
        }
        catch (IOException)
        {
            // The server may refuse and close while we are still writing (a request line or header over its limit).
        }

        return await ReadHeadAsync(stream, wait);
    }

    /// <summary>Reads until the end of the first response's head, the server closing, or the timeout.</summary>
    public static async Task<Answer> ReadHeadAsync(Stream stream, TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? ReadTimeout);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (!EndOfHead(received))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return Parse(received, timedOut: received.Length == 0);
        }
        catch (IOException)
        {
            // Reset by the server: a refusal without an answer (or after the part read so far).
        }

        return Parse(received, timedOut: false);
    }

    private static bool EndOfHead(MemoryStream received) =>
        received.Length >= 4 && Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length).Contains("\r\n\r\n", StringComparison.Ordinal);

    private static Answer Parse(MemoryStream received, bool timedOut)
    {
        var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        var line = text.Split("\r\n")[0];
        var parts = line.Split(' ', 3);
        var status = parts.Length >= 2 && parts[0].StartsWith("HTTP/", StringComparison.Ordinal) && int.TryParse(parts[1], out var code) ? code : 0;
        return new Answer(status, line, timedOut, text);
    }
}
