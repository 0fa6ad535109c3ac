using System.Text;
using System.Text.Json;
using StarPlugin.Lensing;

namespace StarPlugin.Web.Project;

/// <summary>
/// A mock's record as JSON, in the format `starplugin mock-lens` writes beside each mock
/// (OUT.json): read to outline the arc, written for mocks the importer makes.
/// </summary>
public static class MockRecordJson
{
    private const double Deg = Math.PI / 180;

    public static string Write(MockLensRecord r, string input, string output)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("input", input); w.WriteString("output", output); w.WriteNumber("label", 1);
            w.WriteNumber("einstein_radius_px", r.EinsteinRadiusPx);
            w.WriteStartArray("center_px"); w.WriteNumberValue(r.CenterX); w.WriteNumberValue(r.CenterY); w.WriteEndArray();
            w.WriteNumber("axis_ratio", r.AxisRatio); w.WriteNumber("position_angle_deg", r.PositionAngle / Deg);
            w.WriteNumber("shear", r.Shear); w.WriteNumber("shear_angle_deg", r.ShearAngle / Deg);
            w.WriteStartObject("source");
            w.WriteNumber("effective_radius_px", r.SourceRadius); w.WriteNumber("sersic_index", r.SourceIndex);
            w.WriteNumber("axis_ratio", r.SourceAxisRatio); w.WriteNumber("position_angle_deg", r.SourceAngle / Deg);
            w.WriteStartArray("offset_px"); w.WriteNumberValue(r.SourceOffsetX); w.WriteNumberValue(r.SourceOffsetY); w.WriteEndArray();
            w.WriteNumber("flux", r.SourceFlux);
            w.WriteEndObject();
            w.WriteNumber("magnification", r.Magnification); w.WriteNumber("arc_snr", r.ArcSnr);
            w.WriteStartArray("psf_fwhm_px"); foreach (var f in r.PsfFwhm) w.WriteNumberValue(f); w.WriteEndArray();
            w.WriteStartArray("background_sigma"); foreach (var f in r.BackgroundSigma) w.WriteNumberValue(f); w.WriteEndArray();
            w.WriteNumber("seed", r.Seed);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Reads a record; throws <see cref="FormatException"/> naming what is missing or wrong.</summary>
    public static MockLensRecord Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            var root = doc.RootElement;
            var src = root.GetProperty("source");
            double Num(JsonElement e, string name)
            {
                double v = e.GetProperty(name).GetDouble();
                return double.IsFinite(v) ? v : throw new FormatException($"{name} is not finite");
            }
            double[] Arr(JsonElement e, string name, int? length = null)
            {
                if (!e.TryGetProperty(name, out var a)) return [];
                var v = a.EnumerateArray().Select(x => x.GetDouble()).ToArray();
                if (length is { } n && v.Length != n) throw new FormatException($"{name} needs {n} numbers");
                return v.All(double.IsFinite) ? v : throw new FormatException($"{name} is not finite");
            }
            var c = Arr(root, "center_px", 2); var off = Arr(src, "offset_px", 2);
            var rec = new MockLensRecord(Num(root, "einstein_radius_px"), c[0], c[1], Num(root, "axis_ratio"), Num(root, "position_angle_deg") * Deg,
                root.TryGetProperty("shear", out _) ? Num(root, "shear") : 0, root.TryGetProperty("shear_angle_deg", out _) ? Num(root, "shear_angle_deg") * Deg : 0,
                Num(src, "effective_radius_px"), Num(src, "sersic_index"), Num(src, "axis_ratio"), Num(src, "position_angle_deg") * Deg, off[0], off[1],
                src.TryGetProperty("flux", out _) ? Num(src, "flux") : 0, root.TryGetProperty("magnification", out _) ? Num(root, "magnification") : 0,
                root.TryGetProperty("arc_snr", out _) ? Num(root, "arc_snr") : 0, Arr(root, "psf_fwhm_px"), Arr(root, "background_sigma"),
                root.TryGetProperty("seed", out var s) && s.TryGetUInt64(out ulong seed) ? seed : 0);
            if (!(rec.EinsteinRadiusPx >= 0 && rec.EinsteinRadiusPx < 4096 && rec.AxisRatio > 0 && rec.AxisRatio <= 1 && rec.SourceRadius > 0 && rec.SourceIndex > 0.1 && rec.SourceIndex <= 10))
                throw new FormatException("lens parameters out of range");
            return rec;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new FormatException("not a mock-lens record: " + e.Message, e);
        }
    }
}
