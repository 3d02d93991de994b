using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace TheBot.Monitoring.SystemEndpoints;

/// <summary>
/// The JSON of the system endpoints, their problem details and the health answers, generated at compile time so that Native AOT and trimmed
/// apps write it without reflection. Their documents are dictionaries whose values are declared <see cref="object"/>:
/// the serializer looks each value's runtime type up here, so every type a document can hold is listed (a missing one
/// fails in every test that reads that document, JIT or not).
/// </summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, object?>>))]
[JsonSerializable(typeof(List<Dictionary<string, object?>>))]
[JsonSerializable(typeof(List<object?>))]
[JsonSerializable(typeof(Dictionary<string, long>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(Guid))]
internal sealed partial class SystemJsonContext : JsonSerializerContext;
