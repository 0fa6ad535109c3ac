using System.Text;
using System.Text.Json;

namespace StarPlugin.Cli.Hosting;

/// <summary>Small helper for --json output without reflection (keeps the CLI trimming- and AOT-safe).</summary>
public static class JsonOut
{
    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
            body(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
