using System.Globalization;

namespace TheBot.Api.Apis;

/// <summary>
/// Checks the <c>{id}</c> of every matched route before the endpoint runs: an id that is not a positive whole number
/// that fits in 64 bits (<c>abc</c>, <c>-5</c>, <c>0</c>, 23 digits) is the client's mistake, a 400 with problem
/// details, while a well-formed id that names nothing stays the endpoint's 404. Doing it here rather than with a
/// <c>{id:long}</c> route constraint is what makes the difference: a constraint leaves malformed ids unmatched (404).
/// </summary>
public static class RouteIds
{
    private const int EchoedCharacters = 40;

    /// <summary>Adds the check; call after routing (it reads the matched endpoint's route values).</summary>
    public static IApplicationBuilder UseRouteIdValidation(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint() is not null
            && context.Request.RouteValues.TryGetValue("id", out var raw)
            && raw is string text
            && !IsValid(text))
        {
            var shown = text.Length > EchoedCharacters ? text[..EchoedCharacters] + "…" : text;
            await TypedResults.Problem(
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Invalid id",
                    detail: $"The id in the path must be a positive whole number no larger than {long.MaxValue}; got '{shown}'.")
                .ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>True for a positive 64-bit integer written in plain digits (no sign, spaces or separators).</summary>
    public static bool IsValid(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0;
}
