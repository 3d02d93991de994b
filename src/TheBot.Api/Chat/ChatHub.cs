using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace TheBot.Api.Chat;

/// <summary>The open chat sockets by room; sends to one socket are serialized, a dead socket is skipped.</summary>
public sealed class ChatHub
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Member>> _rooms = new(StringComparer.Ordinal);

    public int Count(string room) => _rooms.TryGetValue(room, out var members) ? members.Count : 0;

    public Member Join(string room, WebSocket socket)
    {
        var member = new Member(this, room, socket);
        _rooms.GetOrAdd(room, _ => new ConcurrentDictionary<Guid, Member>())[member.Id] = member;
        return member;
    }

    public async Task BroadcastAsync(string room, object payload)
    {
        if (!_rooms.TryGetValue(room, out var members) || members.IsEmpty)
        {
            return;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(payload, JsonSerializerOptions.Web);
        await Task.WhenAll(members.Values.Select(m => m.SendAsync(bytes)));
    }

    private void Leave(Member member)
    {
        if (_rooms.TryGetValue(member.Room, out var members))
        {
            members.TryRemove(member.Id, out _);
        }
    }

    public sealed class Member(ChatHub hub, string room, WebSocket socket) : IDisposable
    {
        private readonly SemaphoreSlim _sending = new(1, 1);

        public Guid Id { get; } = Guid.NewGuid();

        public string Room => room;

        public Task SendAsync(object payload) => SendAsync(JsonSerializer.SerializeToUtf8Bytes(payload, JsonSerializerOptions.Web));

        public async Task SendAsync(byte[] bytes)
        {
            if (socket.State != WebSocketState.Open)
            {
                return;
            }

            await _sending.WaitAsync();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The receive loop of that socket sees the failure too and ends it.
            }
            finally
            {
                _sending.Release();
            }
        }

        public void Dispose() => hub.Leave(this);
    }
}
