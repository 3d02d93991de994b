using System.Net.Sockets;

namespace TheBot.Stack;

/// <summary>How the supervisor tells that a started process is ready to serve.</summary>
public abstract class ReadinessProbe
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>Short human description used in error messages, e.g. <c>GET http://127.0.0.1:9090/-/ready</c>.</summary>
    public abstract string Description { get; }

    /// <summary>How long a verb that reports (status, doctor) waits for one probe before calling the service not ready.</summary>
    public static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Runs the check once: true when ready, false (or an exception) when not yet.</summary>
    public abstract Task<bool> CheckAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs the check once within <paramref name="timeout"/>: true when ready; false when not, when it failed or when
    /// the time ran out. A hung server (SIGSTOP) still accepts TCP connections in the kernel and never answers, and a
    /// verb that reports (status, doctor) must say so rather than wait with it. Only the caller's own cancellation
    /// is thrown.
    /// </summary>
    public async Task<bool> CheckWithinAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            return await CheckAsync(attempt.Token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Ready when <c>GET <paramref name="url"/></c> answers 2xx (sending <paramref name="authorization"/> when given).</summary>
    public static ReadinessProbe HttpGet(string url, System.Net.Http.Headers.AuthenticationHeaderValue? authorization = null) => new Custom($"GET {url} answers 2xx", async ct =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = authorization;
        using var response = await Http.SendAsync(request, ct);
        return response.IsSuccessStatusCode;
    });

    /// <summary>Ready when a TCP connection to <c>127.0.0.1:<paramref name="port"/></c> succeeds.</summary>
    public static ReadinessProbe TcpConnect(int port) => new Custom($"TCP connect to 127.0.0.1:{port}", async ct =>
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        return true;
    });

    /// <summary>Ready when <paramref name="check"/> returns true, e.g. <c>pg_isready</c> exits 0.</summary>
    public static ReadinessProbe Check(string description, Func<CancellationToken, Task<bool>> check) => new Custom(description, check);

    private sealed class Custom(string description, Func<CancellationToken, Task<bool>> check) : ReadinessProbe
    {
        public override string Description => description;

        public override Task<bool> CheckAsync(CancellationToken cancellationToken) => check(cancellationToken);
    }
}
