using Microsoft.AspNetCore.Builder;

namespace TheBot.Monitoring;

/// <summary>The endpoint convention for requests that are held open by design (<see cref="ExcludeFromRequestDurationAttribute"/>).</summary>
public static class RequestDurationEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Counts the endpoints' requests with their status but does not time them (long polling, long downloads): see
    /// <see cref="ExcludeFromRequestDurationAttribute"/>.
    /// </summary>
    /// <typeparam name="TBuilder">The endpoint convention builder (a route handler, a group, controllers, a hub).</typeparam>
    /// <param name="builder">The endpoints to mark.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static TBuilder ExcludeFromRequestDuration<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(static endpoint => endpoint.Metadata.Add(Marker));
        return builder;
    }

    private static readonly ExcludeFromRequestDurationAttribute Marker = new();
}
