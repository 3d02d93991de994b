using System.Collections;
using System.Globalization;

namespace TheBot.Monitoring.Health;

/// <summary>
/// A health check's <c>data</c> value as the health answer writes it. Numbers (NaN and infinities as the strings
/// <c>"NaN"</c>, <c>"Infinity"</c> and <c>"-Infinity"</c>, which JSON has no number for), strings, booleans, dates and GUIDs stay
/// what they are, enums are their numbers, dictionaries and lists are walked (eight levels deep), and anything else is
/// its <see cref="object.ToString"/>. So the answer needs no reflection (Native AOT) and a check that puts an object
/// graph with a cycle, or a type the serializer refuses, into its data cannot turn the probe into a 500.
/// </summary>
internal static class HealthDataValue
{
    private const int MaxDepth = 8;

    public static object? Of(object? value) => Of(value, 0);

    private static object? Of(object? value, int depth) => value switch
    {
        null => null,
        // JSON has no number for these and System.Text.Json throws on them (a 500 with an empty body); their names,
        // as JsonNumberHandling.AllowNamedFloatingPointLiterals writes them, keep the reading visible.
        double d when !double.IsFinite(d) => NonFinite(d),
        float f when !float.IsFinite(f) => NonFinite(f),
        string or bool or int or long or ulong or float or double or decimal or DateTime or DateTimeOffset or Guid => value,
        byte or sbyte or short or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        Enum => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        char or TimeSpan => Convert.ToString(value, CultureInfo.InvariantCulture),
        IDictionary dictionary when depth < MaxDepth => Walk(dictionary, depth + 1),
        IEnumerable sequence when depth < MaxDepth => sequence.Cast<object?>().Select(item => Of(item, depth + 1)).ToList(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static string NonFinite(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

    private static Dictionary<string, object?> Walk(IDictionary dictionary, int depth)
    {
        var walked = new Dictionary<string, object?>(dictionary.Count);
        foreach (DictionaryEntry entry in dictionary)
        {
            walked[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = Of(entry.Value, depth);
        }

        return walked;
    }
}
