using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace TheBot.Monitoring.Http;

/// <summary>
/// A gRPC call answers HTTP 200 whatever happened and carries its outcome in <c>grpc-status</c> (a trailer, or a header
/// of a trailers-only response). The <c>status</c> label of a gRPC call is the HTTP status its gRPC status maps to, the
/// table of <c>google.rpc.Code</c> that gRPC-gateway and Google's APIs use (UNAVAILABLE → 503, NOT_FOUND → 404,
/// CANCELLED → 499 as a client that went away already is), so the error ratios, the SLOs and the alerts see a failing
/// gRPC service as they see a failing HTTP one (ADR 0019).
/// </summary>
internal static class GrpcStatus
{
    private const string Header = "grpc-status";

    /// <summary>The type of metadata Grpc.AspNetCore puts on each gRPC method's endpoint (matched by name: no reference to it).</summary>
    private const string MethodMetadataType = "Grpc.AspNetCore.Server.GrpcMethodMetadata";

    private static readonly int[] HttpStatusByCode =
    [
        200, // OK
        499, // CANCELLED
        500, // UNKNOWN
        400, // INVALID_ARGUMENT
        504, // DEADLINE_EXCEEDED
        404, // NOT_FOUND
        409, // ALREADY_EXISTS
        403, // PERMISSION_DENIED
        429, // RESOURCE_EXHAUSTED
        400, // FAILED_PRECONDITION
        409, // ABORTED
        400, // OUT_OF_RANGE
        501, // UNIMPLEMENTED
        500, // INTERNAL
        503, // UNAVAILABLE
        500, // DATA_LOSS
        401, // UNAUTHENTICATED
    ];

    /// <summary>
    /// What an endpoint is to gRPC (decided once per endpoint): not a gRPC method, a unary method, or a streaming one,
    /// read from the metadata Grpc.AspNetCore puts on each method's endpoint.
    /// </summary>
    /// <remarks>
    /// The two properties read by name are kept by the trimmer whenever the app has Grpc.AspNetCore (DynamicDependency
    /// names them by their assemblies, so the library still does not reference them): this works in trimmed and Native
    /// AOT apps too.
    /// </remarks>
    [DynamicDependency("Method", MethodMetadataType, "Grpc.AspNetCore.Server")]
    [DynamicDependency("Type", "Grpc.Core.Method`2", "Grpc.Core.Api")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Both properties are kept by the DynamicDependency attributes above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2035", Justification = "Grpc.AspNetCore is optional: an app without it has no gRPC endpoint and nothing to keep.")]
    public static GrpcMethodKind KindOf(Endpoint endpoint)
    {
        foreach (var metadata in endpoint.Metadata)
        {
            if (metadata.GetType().FullName == MethodMetadataType)
            {
                // GrpcMethodMetadata.Method is Grpc.Core's IMethod; its Type is the MethodType enum (Unary, ClientStreaming, …).
                var method = metadata.GetType().GetProperty("Method")?.GetValue(metadata);
                var type = method?.GetType().GetProperty("Type")?.GetValue(method)?.ToString();
                return type == "Unary" ? GrpcMethodKind.Unary : GrpcMethodKind.Streaming;
            }
        }

        return GrpcMethodKind.None;
    }

    /// <summary>
    /// The HTTP status a finished gRPC call stands for: its <c>grpc-status</c> mapped (for gRPC-Web, whose trailers are in
    /// the body, the status its server call context holds: <see cref="GrpcServerCallStatus"/>), or
    /// <paramref name="httpStatus"/> when the call has none (an HTTP-level refusal); a code outside the specification is
    /// UNKNOWN (500).
    /// </summary>
    public static int HttpStatusOf(HttpContext context, int httpStatus)
    {
        var value = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers[Header] ?? default;
        if (value.Count == 0)
        {
            value = context.Response.Headers[Header]; // a trailers-only response (an error before any message)
        }

        if (value.Count == 0)
        {
            // gRPC-Web after its first message: the trailers went into the body, past this middleware.
            return GrpcServerCallStatus.CodeOf(context) is { } held ? HttpStatusOf(held) : httpStatus;
        }

        return int.TryParse(value.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? HttpStatusOf(code)
            : StatusCodes.Status500InternalServerError;
    }

    /// <summary>The HTTP status gRPC status <paramref name="code"/> maps to; one outside the specification is UNKNOWN (500).</summary>
    private static int HttpStatusOf(int code) =>
        (uint)code < (uint)HttpStatusByCode.Length ? HttpStatusByCode[code] : StatusCodes.Status500InternalServerError;
}
