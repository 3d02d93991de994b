using Microsoft.AspNetCore.Http.HttpResults;
using TheBot.Api.Domain;
using TheBot.Api.Payments;

namespace TheBot.Api.Apis;

public sealed record CreatePaymentRequest(long? UserId, long? AmountCents, string? Currency, string? Method, string? Token);

public static class PaymentsApi
{
    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Payments");
        api.MapPost("/payments", CreateAsync);
        api.MapGet("/payments/{id}", GetAsync);
        return app;
    }

    /// <summary>201 when the charge succeeded; 402 problem when the provider declined it; 502 problem when it failed.</summary>
    public static async Task<Results<Created<Payment>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreatePaymentRequest request, PaymentService payments, UserStore users, CancellationToken ct)
    {
        var method = PaymentService.ParseMethod(request.Method);
        var validation = new Validation()
            .Id(request.UserId, "userId")
            .Require(request.AmountCents is >= 1 and <= 100_000_000, "amountCents", "amountCents must be 1 to 100000000.")
            .Require(request.Currency is { Length: 3 } currency && currency.All(char.IsAsciiLetterUpper), "currency", "currency must be an ISO 4217 code such as EUR.")
            .Require(method is not null, "method", $"method must be one of {string.Join(", ", PaymentService.Methods)}.")
            .Text(request.Token, "token", 100, required: false);
        if (!validation.IsValid)
        {
            return validation.Result;
        }

        if (await users.GetAsync(request.UserId!.Value, ct) is null)
        {
            return ApiResults.NotFound("User", request.UserId.Value);
        }

        var payment = await payments.ProcessAsync(
            new ChargeRequest(request.UserId.Value, request.AmountCents!.Value, request.Currency!, method!.Value, request.Token), request.Method!, ct);
        var extensions = new Dictionary<string, object?> { ["paymentId"] = payment.Id, ["paymentStatus"] = payment.Status };
        return payment.Status switch
        {
            "succeeded" => TypedResults.Created($"/api/payments/{payment.Id}", payment),
            "declined" => ApiResults.Problem(StatusCodes.Status402PaymentRequired, "Payment declined", payment.FailureReason ?? "declined", extensions),
            _ => ApiResults.Problem(StatusCodes.Status502BadGateway, "Payment failed", payment.FailureReason ?? "failed; it will be reconciled", extensions),
        };
    }

    public static async Task<Results<Ok<Payment>, ProblemHttpResult>> GetAsync(long id, PaymentService payments, CancellationToken ct) =>
        await payments.GetAsync(id, ct) is { } payment ? TypedResults.Ok(payment) : ApiResults.NotFound("Payment", id);
}
