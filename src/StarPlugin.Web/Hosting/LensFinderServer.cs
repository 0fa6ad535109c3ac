using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StarPlugin.Web.Features;

namespace StarPlugin.Web.Hosting;

/// <summary>
/// Builds the lens-finding server. Options come from configuration and are read only
/// when services are first resolved, so a test host's settings (WebApplicationFactory)
/// apply as well as the command line's.
/// </summary>
public static class LensFinderServer
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Request logs at Information cost more than the requests themselves under load.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        customize?.Invoke(builder);
        ConfigureServices(builder.Services);
        var app = builder.Build();
        Configure(app);
        return app;
    }

    public static void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(sp => LensFinderOptions.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => new LensFinderState(sp.GetRequiredService<LensFinderOptions>()));
        services.AddHostedService<LensFinderStartup>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, LensJsonContext.Default);
            // Request bodies are read with these options: snake_case, as the answers are written.
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
        });

        // Cookie keys live with the project (or where --keys says), so sessions survive restarts
        // and several processes on one database accept each other's cookies.
        services.AddDataProtection().SetApplicationName("starplugin-lensfinder");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
        {
            var lf = sp.GetRequiredService<LensFinderOptions>();
            string dir = lf.KeysDir ?? Path.Combine(Path.GetFullPath(lf.DataDir), "keys");
            Directory.CreateDirectory(dir);
            o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(dir), sp.GetRequiredService<ILoggerFactory>());
        }));

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = "lf_auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromDays(30);
            o.SlidingExpiration = true;
            // An API answers 401/403, it does not redirect to a login page.
            o.Events.OnRedirectToLogin = c => { c.Response.StatusCode = 401; return Task.CompletedTask; };
            o.Events.OnRedirectToAccessDenied = c => { c.Response.StatusCode = 403; return Task.CompletedTask; };
        });
        services.AddAuthorizationBuilder().AddPolicy("scientist", p => p.RequireRole(Caller.ScientistRole));
        services.AddAntiforgery(o =>
        {
            o.HeaderName = "X-CSRF-TOKEN";
            o.FormFieldName = "csrf";
            o.Cookie.Name = "lf_csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = 429;
            o.AddPolicy("signup", c => RateLimitPartition.GetFixedWindowLimiter(Ip(c), _ => new FixedWindowRateLimiterOptions
            { PermitLimit = Opt(c).SignupsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.AddPolicy("login", c => RateLimitPartition.GetFixedWindowLimiter(Ip(c), _ => new FixedWindowRateLimiterOptions
            { PermitLimit = Opt(c).LoginsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.AddPolicy("classify", c => RateLimitPartition.GetTokenBucketLimiter(Caller.Id(c)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "ip:" + Ip(c),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Opt(c).ClassifyBurst, TokensPerPeriod = Opt(c).ClassifyPerSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0, AutoReplenishment = true,
                }));
        });
    }

    private static string Ip(HttpContext c) => c.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    private static LensFinderOptions Opt(HttpContext c) => c.RequestServices.GetRequiredService<LensFinderOptions>();

    public static void Configure(WebApplication app)
    {
        app.Use(async (c, next) =>
        {
            var h = c.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "same-origin";
            h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
            await next();
        });
        app.UseAuthentication();
        // Every state-changing API call made with cookies carries the antiforgery token in X-CSRF-TOKEN.
        app.Use(async (c, next) =>
        {
            if (c.Request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(c.Request.Method) && !HttpMethods.IsHead(c.Request.Method))
            {
                var af = c.RequestServices.GetRequiredService<IAntiforgery>();
                if (!await af.IsRequestValidAsync(c))
                {
                    await Caller.Error(400, "missing or stale antiforgery token: GET /api/antiforgery and send it as X-CSRF-TOKEN").ExecuteAsync(c);
                    return;
                }
            }
            await next();
        });
        app.UseRateLimiter();
        app.UseAuthorization();
        AuthEndpoints.Map(app);
        ClassifyEndpoints.Map(app);
        MeEndpoints.Map(app);
        ScienceEndpoints.Map(app);
        StaticPages.Map(app);
    }
}
