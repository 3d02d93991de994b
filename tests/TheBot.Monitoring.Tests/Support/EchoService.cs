using System.Text;
using Grpc.Core;

namespace TheBot.Monitoring.Tests.Support;

/// <summary>
/// A gRPC service bound by hand (no .proto, no code generation: strings as UTF-8 messages), as Grpc.AspNetCore serves any
/// generated one. <c>Say</c> answers or fails with the gRPC status its request names, before its answer (a trailers-only
/// response) or after it; <c>Watch</c> streams one message and then fails, so its status travels in trailers after the
/// response has started.
/// </summary>
[BindServiceMethod(typeof(EchoService), nameof(BindService))]
public class EchoService
{
    private static readonly Marshaller<string> Text = Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b));

    public static readonly Method<string, string> SayMethod = new(MethodType.Unary, "thebot.test.Echo", "Say", Text, Text);

    public static readonly Method<string, string> WatchMethod = new(MethodType.ServerStreaming, "thebot.test.Echo", "Watch", Text, Text);

    /// <summary>Called by Grpc.AspNetCore with no instance to discover the methods; each call gets its own instance.</summary>
    public static void BindService(ServiceBinderBase binder, EchoService? service)
    {
        binder.AddMethod(SayMethod, service is null ? null : (UnaryServerMethod<string, string>)service.Say);
        binder.AddMethod(WatchMethod, service is null ? null : (ServerStreamingServerMethod<string, string>)service.Watch);
    }

    /// <summary>
    /// "ok" answers; "bug" throws an exception (UNKNOWN); "NAME after answering" answers and sets the gRPC status NAME,
    /// which then follows the message in trailers; any other text is a gRPC status name to fail with.
    /// </summary>
    public virtual Task<string> Say(string request, ServerCallContext context)
    {
        const string AfterAnswering = " after answering";
        switch (request)
        {
            case "ok":
                return Task.FromResult("hi");
            case "bug":
                throw new InvalidOperationException("a bug in the handler");
            case var late when late.EndsWith(AfterAnswering, StringComparison.Ordinal):
                context.Status = new Status(Enum.Parse<StatusCode>(late[..^AfterAnswering.Length]), "as asked, after the answer");
                return Task.FromResult("hi");
            default:
                throw new RpcException(new Status(Enum.Parse<StatusCode>(request), "as asked"));
        }
    }

    public virtual async Task Watch(string request, IServerStreamWriter<string> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync("first");
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        throw new RpcException(new Status(StatusCode.Unavailable, "the feed went away"));
    }
}
