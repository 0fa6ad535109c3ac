using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Features;

/// <summary>Sign-up, login, guests and logout. Passwords are stored only as ASP.NET Core PasswordHasher hashes (PBKDF2).</summary>
public static class AuthEndpoints
{
    public const int MinPassword = 8, MaxPassword = 128, MaxName = 32;
    private static readonly PasswordHasher<string> Hasher = new();

    public static string Hash(string password) => Hasher.HashPassword("", password);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/antiforgery", (HttpContext c, IAntiforgery af) =>
            Results.Json(new TokenInfo(af.GetAndStoreTokens(c).RequestToken!), LensJsonContext.Default.TokenInfo));

        app.MapGet("/api/session", async (HttpContext c, LensFinderState s) =>
            Caller.Id(c) is long id && await s.Store.GetVolunteerAsync(id, c.RequestAborted) is { } v
                ? Results.Json(Caller.Info(v), LensJsonContext.Default.SessionInfo)
                : Caller.Error(401, "not signed in"));

        app.MapPost("/api/session", async (HttpContext c, LensFinderState s, SessionRequest r) =>
        {
            if (r.Guest)
            {
                var g = await s.Store.CreateVolunteerAsync(null, null, Role.Volunteer, guest: true, c.RequestAborted);
                await Caller.SignInAsync(c, g);
                return Results.Json(Caller.Info(g), LensJsonContext.Default.SessionInfo);
            }
            if (string.IsNullOrEmpty(r.Name) || string.IsNullOrEmpty(r.Password) || r.Password.Length > MaxPassword)
                return Caller.Error(400, "name and password are required");
            var v = await s.Store.FindVolunteerAsync(r.Name, c.RequestAborted);
            // Hash even for an unknown name, so the answer's timing does not tell which names exist.
            var result = Hasher.VerifyHashedPassword("", v?.PasswordHash ?? DummyHash, r.Password);
            if (v?.PasswordHash == null || result == PasswordVerificationResult.Failed) return Caller.Error(401, "wrong name or password");
            if (result == PasswordVerificationResult.SuccessRehashNeeded) await s.Store.SetPasswordHashAsync(v.Id, Hash(r.Password), c.RequestAborted);
            await Caller.SignInAsync(c, v);
            return Results.Json(Caller.Info(v), LensJsonContext.Default.SessionInfo);
        }).RequireRateLimiting("login");

        app.MapDelete("/api/session", async (HttpContext c) =>
        {
            await c.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.NoContent();
        });

        app.MapPost("/api/volunteers", async (HttpContext c, LensFinderState s, SignUpRequest r) =>
        {
            if (ValidateName(r.Name) is { } bad) return Caller.Error(400, bad);
            if (r.Password is null || r.Password.Length < MinPassword || r.Password.Length > MaxPassword)
                return Caller.Error(400, $"the password needs {MinPassword} to {MaxPassword} characters");
            try
            {
                var v = await s.Store.CreateVolunteerAsync(r.Name, Hash(r.Password), Role.Volunteer, guest: false, c.RequestAborted);
                await Caller.SignInAsync(c, v);
                return Results.Json(Caller.Info(v), LensJsonContext.Default.SessionInfo, statusCode: 201);
            }
            catch (DuplicateException) { return Caller.Error(409, "that name is taken"); }
        }).RequireRateLimiting("signup");
    }

    private static readonly string DummyHash = Hash("not a password of anyone");

    /// <summary>Null when the name is acceptable: 3-32 letters (any script), digits, '-', '_' or '.'.</summary>
    public static string? ValidateName(string? name)
    {
        if (name is null || name.Length < 3 || name.Length > MaxName) return $"the name needs 3 to {MaxName} characters";
        if (!name.All(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.')) return "the name may hold letters, digits, '-', '_' and '.' only";
        if (name.StartsWith("guest-", StringComparison.OrdinalIgnoreCase)) return "names starting with guest- are kept for guests";
        return null;
    }
}
