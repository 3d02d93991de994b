using Microsoft.AspNetCore.Http.HttpResults;

namespace TheBot.Api.Apis;

/// <summary>Collects field errors; <see cref="Result"/> is a 400 validation problem when there are any.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public ValidationProblem Result => TypedResults.ValidationProblem(
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: "Invalid request");

    public Validation Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            (_errors.TryGetValue(field, out var list) ? list : _errors[field] = []).Add(message);
        }

        return this;
    }

    /// <summary>
    /// A text field: present when <paramref name="required"/>, not blank, at most <paramref name="maxLength"/>
    /// characters, and free of control characters and broken UTF-16 (PostgreSQL refuses NUL, and neither belongs in
    /// text a person reads). <paramref name="multiline"/> fields may contain line breaks and tabs.
    /// </summary>
    public Validation Text(string? value, string field, int maxLength, bool required = true, bool multiline = false) =>
        value is null
            ? Require(!required, field, $"{field} is required.")
            : Require(!required || !string.IsNullOrWhiteSpace(value), field, $"{field} must not be empty.")
                .Require(value.Length <= maxLength, field, $"{field} must be at most {maxLength} characters.")
                .Printable(value, field, multiline);

    /// <summary>Refuses control characters (line breaks and tabs only when <paramref name="multiline"/>) and unpaired surrogates.</summary>
    public Validation Printable(string? value, string field, bool multiline) =>
        FindUnprintable(value, multiline) is not { } position
            ? this
            : Require(false, field,
                $"{field} must not contain control characters{(multiline ? " other than line breaks and tabs" : string.Empty)} or invalid Unicode " +
                $"(found U+{(int)value![position]:X4} at position {position}).");

    /// <summary>Index of the first character that is a control character (except line breaks and tabs when <paramref name="multiline"/>) or half a surrogate pair; null when there is none.</summary>
    public static int? FindUnprintable(string? value, bool multiline)
    {
        if (value is null)
        {
            return null;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            var allowed = multiline && c is '\n' or '\r' or '\t';
            if ((char.IsControl(c) && !allowed) || char.IsSurrogate(c))
            {
                return i;
            }
        }

        return null;
    }

    public Validation Id(long? value, string field) =>
        Require(value is > 0, field, $"{field} is required and must be a positive id.");

    public Validation Body(object? body) => Require(body is not null, "body", "A JSON body is required.");
}
