using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace StarPlugin.Web.Hosting;

/// <summary>
/// The front end: static pages, script and style embedded in this assembly (so a
/// published CLI carries them), served with an ETag. Pages are the same in every
/// language; app.js translates them (English and Chinese).
/// </summary>
public static class StaticPages
{
    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    private static FrozenDictionary<string, Asset> Load()
    {
        var asm = typeof(StaticPages).Assembly;
        var d = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            using var s = asm.GetManifestResourceStream(name)!;
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            var bytes = ms.ToArray();
            string type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8", ".js" => "text/javascript; charset=utf-8", ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml", ".png" => "image/png", _ => "application/octet-stream",
            };
            d[name["wwwroot/".Length..]] = new Asset(bytes, type, "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"");
        }
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (route, file) in new[] { ("/", "index.html"), ("/learn", "learn.html"), ("/classify", "classify.html"), ("/me", "me.html"), ("/science", "science.html"), ("/login", "login.html") })
            app.MapGet(route, (HttpContext c) => Serve(c, file));
        app.MapGet("/static/{file}", (HttpContext c, string file) => Serve(c, file));
    }

    private static IResult Serve(HttpContext c, string file)
    {
        if (!Assets.TryGetValue(file, out var a)) return Results.NotFound();
        c.Response.Headers.ETag = a.ETag;
        c.Response.Headers.CacheControl = "no-cache";
        if (c.Request.Headers.IfNoneMatch == a.ETag) return Results.StatusCode(304);
        return Results.Bytes(a.Bytes, a.ContentType);
    }
}
