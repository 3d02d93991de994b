using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using TheBot.Monitoring.Metrics;

namespace TheBot.Monitoring.Workload;

/// <summary>
/// The families an application added through <c>AddTheBotMetrics&lt;T&gt;()</c> (its business counters), told apart
/// from the library's own by watching the registry while each registered class is constructed: whenever that
/// happens (at start, or earlier, when a hosted service needs it), its families are the ones it created.
/// </summary>
internal sealed class ApplicationFamilies(MetricRegistry registry)
{
    private readonly Lock _gate = new();
    private readonly List<MetricFamily> _families = [];

    /// <summary>Families the application's metric classes created, in creation order.</summary>
    public IReadOnlyList<MetricFamily> Families
    {
        get
        {
            lock (_gate)
            {
                return [.. _families];
            }
        }
    }

    /// <summary>Constructs <typeparamref name="TMetrics"/> from the container and remembers the families it created.</summary>
    public TMetrics Create<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TMetrics>(IServiceProvider services)
        where TMetrics : class
    {
        lock (_gate)
        {
            var before = registry.Families.ToHashSet(ReferenceEqualityComparer.Instance);
            var metrics = ActivatorUtilities.CreateInstance<TMetrics>(services);
            _families.AddRange(registry.Families.Where(family => !before.Contains(family)));
            return metrics;
        }
    }
}
