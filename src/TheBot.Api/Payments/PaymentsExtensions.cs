using TheBot.Api.Jobs;

namespace TheBot.Api.Payments;

public static class PaymentsExtensions
{
    public static IHostApplicationBuilder AddPayments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PaymentSimulatorOptions>().BindConfiguration(PaymentSimulatorOptions.SectionName)
            .Validate(o => o.FailureRate is >= 0 and <= 1 && o.DeclineRate is >= 0 and <= 1 && o.FailureRate + o.DeclineRate <= 1,
                "Payments:Simulator FailureRate and DeclineRate must be between 0 and 1, and their sum at most 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IPaymentProvider, SimulatedPaymentProvider>();
        builder.Services.AddSingleton<PaymentService>();
        builder.Services.AddJobHandler<ReconcilePayment, ReconcilePaymentHandler>();
        builder.Services.AddOptions<PaymentReconciliationOptions>().BindConfiguration(PaymentReconciliationOptions.SectionName)
            .Validate(o => o.IntervalSeconds > 0 && o.StaleAfterSeconds >= 0, "Payments:Reconciliation IntervalSeconds must be above 0 and StaleAfterSeconds at least 0.")
            .ValidateOnStart();
        builder.Services.AddHostedService<PendingPaymentSweeper>();
        return builder;
    }
}
