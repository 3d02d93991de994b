using Microsoft.AspNetCore.SignalR;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>A SignalR hub with nothing to say: its clients' long polls wait for the poll timeout.</summary>
public sealed class NewsHub : Hub
{
}
