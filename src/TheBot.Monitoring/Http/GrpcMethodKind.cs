namespace TheBot.Monitoring.Http;

/// <summary>What an endpoint is to gRPC (<see cref="GrpcStatus.KindOf"/>).</summary>
internal enum GrpcMethodKind
{
    /// <summary>Not a gRPC method.</summary>
    None,

    /// <summary>One request, one response: timed like any request.</summary>
    Unary,

    /// <summary>
    /// Client, server or bidirectional streaming: a call lasts as long as its stream (a subscription can stay open for
    /// hours), so it is counted with its status but not timed as a request.
    /// </summary>
    Streaming,
}
