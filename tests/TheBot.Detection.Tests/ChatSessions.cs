using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace TheBot.Detection.Tests;

/// <summary>
/// Real chat WebSockets (<c>/ws/chat/{room}</c>, src/TheBot.Api/Chat) held open: each is connected, waits for the
/// server's <c>joined</c> frame, then reads (and drops) whatever arrives, answering the server's pings, until closed
/// with the close handshake.
/// </summary>
internal sealed class ChatSessions : IAsyncDisposable
{
    private readonly List<(ClientWebSocket Socket, Task Reader)> _sessions = [];

    private ChatSessions()
    {
    }

    /// <summary>When the last session had joined.</summary>
    public DateTimeOffset OpenedAt { get; private set; }

    /// <summary>Sessions whose socket is still open.</summary>
    public int Open => _sessions.Count(s => s.Socket.State == WebSocketState.Open);

    /// <summary>Opens <paramref name="count"/> sessions of user <paramref name="userId"/> in <paramref name="room"/>.</summary>
    public static async Task<ChatSessions> OpenAsync(Uri backend, string room, long userId, int count)
    {
        var sessions = new ChatSessions();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new ClientWebSocket();
                var uri = new Uri($"ws://{backend.Authority}/ws/chat/{room}?userId={userId}");
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await socket.ConnectAsync(uri, timeout.Token);
                await JoinedAsync(socket, timeout.Token);
                sessions._sessions.Add((socket, Task.Run(() => DrainAsync(socket))));
            }

            sessions.OpenedAt = DateTimeOffset.UtcNow;
            return sessions;
        }
        catch
        {
            await sessions.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes every session with the close handshake; returns how many were still open and closed cleanly.</summary>
    public async Task<int> CloseAsync()
    {
        var closed = 0;
        foreach (var (socket, reader) in _sessions)
        {
            if (socket.State != WebSocketState.Open)
            {
                continue;
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                // Output only: the reader task is the one receiving, and it ends on the server's close frame.
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "detection done", timeout.Token);
                await reader.WaitAsync(timeout.Token);
                closed += socket.CloseStatus == WebSocketCloseStatus.NormalClosure ? 1 : 0;
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
            {
                // Counted as not closed cleanly.
            }
        }

        return closed;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (socket, reader) in _sessions)
        {
            socket.Abort();
            await reader.ContinueWith(_ => { }, TaskScheduler.Default);
            socket.Dispose();
        }

        _sessions.Clear();
    }

    private static async Task JoinedAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"the server closed the chat socket before joining: {socket.CloseStatusDescription}");
            }

            using var frame = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (frame.RootElement.TryGetProperty("type", out var type) && type.GetString() == "joined")
            {
                return;
            }
        }
    }

    private static async Task DrainAsync(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (WebSocketException)
        {
            // Aborted or reset: the socket's state tells the caller.
        }
        catch (OperationCanceledException)
        {
        }
    }
}
