namespace WorkflowControl.Api.Features.Auth;

/// <summary>Sign-up, sign-in and the caller's own account; attempts are throttled per address and per account.</summary>
public static class AuthFeature
{
    public static IServiceCollection AddAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthThrottleOptions>().BindConfiguration(AuthThrottleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AuthThrottle>();
        services.AddRateLimiter(o => o.AddPolicy<string, AuthAddressPolicy>(AuthThrottle.PolicyName));
        return services;
    }

    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/auth").WithTags("Auth").MapAuthEndpoints();
        return app;
    }
}
