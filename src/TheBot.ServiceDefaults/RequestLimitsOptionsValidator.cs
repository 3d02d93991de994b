using System.Globalization;
using Microsoft.Extensions.Options;

namespace TheBot.Hosting;

/// <summary>
/// Checks <see cref="RequestLimitsOptions"/> when the host starts (<c>ValidateOnStart</c>): a negative limit made Kestrel
/// throw at start without naming the setting, and 0 answered every request with a body 413.
/// </summary>
internal sealed class RequestLimitsOptionsValidator : IValidateOptions<RequestLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestLimitsOptions options) =>
        IsValid(options.MaxRequestBodyBytes)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{RequestLimitsOptions.SectionName}:{nameof(RequestLimitsOptions.MaxRequestBodyBytes)} must be between 1 and {long.MaxValue} (bytes); it is {options.MaxRequestBodyBytes}."));

    /// <summary>Whether Kestrel may be given <paramref name="maxRequestBodyBytes"/>.</summary>
    public static bool IsValid(long maxRequestBodyBytes) => maxRequestBodyBytes >= 1;
}
