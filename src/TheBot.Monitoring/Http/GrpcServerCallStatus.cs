using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace TheBot.Monitoring.Http;

/// <summary>
/// The gRPC status a call's server call context holds, for a call whose <c>grpc-status</c> this library cannot read:
/// gRPC-Web (Grpc.AspNetCore.Web) writes the trailers into the response body, through a trailers feature of its own
/// that it takes off the request again before the metrics middleware, which sits outside it, sees the call end. The
/// status the server wrote there is the one Grpc.AspNetCore keeps on the call's context (its
/// <c>IServerCallContextFeature</c>, matched by type name: the library references no gRPC package).
/// </summary>
internal static class GrpcServerCallStatus
{
    /// <summary>The feature Grpc.AspNetCore sets on each call's request once the call starts.</summary>
    private const string FeatureType = "Grpc.AspNetCore.Server.IServerCallContextFeature";

    /// <summary>The feature's type, once a call has shown it: later calls look it up directly instead of by name.</summary>
    private static Type? s_feature;

    /// <summary>The two properties read, for the context type that last came by.</summary>
    private static StatusProperties? s_properties;

    /// <summary>
    /// The numeric gRPC status of the call <paramref name="context"/> carries (0 for OK), or null when the request never
    /// became a gRPC call (refused before it started, or no Grpc.AspNetCore).
    /// </summary>
    /// <remarks>
    /// The two properties read by name are kept by the trimmer whenever the app has Grpc.AspNetCore, as in
    /// <see cref="GrpcStatus.KindOf"/>; the feature's type itself is the key the app put in the request's features.
    /// </remarks>
    [DynamicDependency("Status", "Grpc.Core.ServerCallContext", "Grpc.Core.Api")]
    [DynamicDependency("StatusCode", "Grpc.Core.Status", "Grpc.Core.Api")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Both properties are kept by the DynamicDependency attributes above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2035", Justification = "Grpc.AspNetCore is optional: an app without it has no gRPC call and nothing to keep.")]
    public static int? CodeOf(HttpContext context)
    {
        var call = s_feature is { } known ? context.Features[known] : Find(context.Features);

        if (call is null)
        {
            return null;
        }

        // The feature is the call's ServerCallContext; its Status is Grpc.Core's Status, whose StatusCode is the enum.
        // Both properties are looked up once per context type: every gRPC-Web call with a message comes this way.
        var properties = s_properties;
        if (properties is null || properties.CallType != call.GetType())
        {
            var statusProperty = call.GetType().GetProperty("Status");
            properties = new StatusProperties(call.GetType(), statusProperty, statusProperty?.PropertyType.GetProperty("StatusCode"));
            s_properties = properties;
        }

        var status = properties.Status?.GetValue(call);
        return status is not null && properties.Code?.GetValue(status) is Enum code
            ? Convert.ToInt32(code, CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>The call context among <paramref name="features"/> (by its feature's type name), remembering that type.</summary>
    private static object? Find(IFeatureCollection features)
    {
        foreach (var (type, feature) in features)
        {
            if (type.FullName == FeatureType)
            {
                s_feature = type;
                return feature;
            }
        }

        return null;
    }

    /// <summary>A call context type's <c>Status</c> property and that status type's <c>StatusCode</c>.</summary>
    private sealed record StatusProperties(Type CallType, PropertyInfo? Status, PropertyInfo? Code);
}
