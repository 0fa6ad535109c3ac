using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using StarPlugin.Web.Features;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Hosting;

/// <summary>Who is calling: the volunteer id and role held in the signed, encrypted session cookie.</summary>
public static class Caller
{
    public const string ScientistRole = "scientist", VolunteerRole = "volunteer";

    public static long? Id(HttpContext c) => long.TryParse(c.User.FindFirstValue(ClaimTypes.NameIdentifier), out long id) ? id : null;
    public static bool IsScientist(HttpContext c) => c.User.IsInRole(ScientistRole);
    public static string RoleName(Role r) => r == Role.Scientist ? ScientistRole : VolunteerRole;

    public static Task SignInAsync(HttpContext c, Volunteer v)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, v.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, v.Name ?? $"guest-{v.Id}"),
            new(ClaimTypes.Role, RoleName(v.Role)),
        };
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
        // The antiforgery token belongs to the user it was issued for: the page fetches a new one after this.
        c.User = principal;
        return c.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, new AuthenticationProperties { IsPersistent = true });
    }

    public static SessionInfo Info(Volunteer v) => new(v.Id, v.Name, RoleName(v.Role), v.Guest);

    public static IResult Error(int status, string message) => Results.Json(new ErrorInfo(message), LensJsonContext.Default.ErrorInfo, statusCode: status);
}
