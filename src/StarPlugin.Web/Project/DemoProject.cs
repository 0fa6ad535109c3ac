using System.Globalization;
using System.Text;
using StarPlugin.Imaging;
using StarPlugin.IO;
using StarPlugin.Lensing;
using StarPlugin.Web.Hosting;
using StarPlugin.Web.Storage;

namespace StarPlugin.Web.Project;

/// <summary>
/// The demo project, built from the cutouts bundled in this assembly (Demo/, crops of
/// the Hydra and Fornax clusters): checked non-lenses and lookalikes as training images,
/// mocks made from them by the importer, and unknown images to search, a few of which
/// hide a simulated arc (and two are g/r/z FITS cubes, shown as Lupton composites).
/// </summary>
public static class DemoProject
{
    public const int Mocks = 12;

    public static async Task<ImportResult> BuildAsync(LensFinderState state, CancellationToken ct = default)
    {
        string tmp = Path.Combine(Path.GetTempPath(), "starplugin-demo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            var asm = typeof(DemoProject).Assembly;
            var names = asm.GetManifestResourceNames().Where(n => n.StartsWith("demo/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            var csv = new StringBuilder("file,label,id,category\n");
            int hidden = 0;
            foreach (var res in names)
            {
                string file = res["demo/".Length..];
                using (var s = asm.GetManifestResourceStream(res)!)
                using (var o = File.Create(Path.Combine(tmp, file))) s.CopyTo(o);
                string stem = Path.GetFileNameWithoutExtension(file); // NN-cluster-kind
                var parts = stem.Split('-', 3);
                int n = int.Parse(parts[0], CultureInfo.InvariantCulture);
                string kind = parts[2];
                bool training = n is 1 or 2 or 3 or 4 or 6 or 13 or 14 or 15 or 16 or 17 or 19;
                if (training)
                {
                    string? category = kind is "spiral" or "edge-on" or "artefact" ? kind : null;
                    csv.Append(CultureInfo.InvariantCulture, $"{file},0,{stem},{category}\n");
                    continue;
                }
                csv.Append(CultureInfo.InvariantCulture, $"{file},-1,{stem},\n");
                if (n is 7 or 21)
                {
                    // An unknown image with a simulated arc hidden in it: the crowd should rank it high.
                    var img = ImageFile.Read(Path.Combine(tmp, file));
                    var o = MockLensDraw.Draw(new Random(n), (ulong)n, 3, redFirst: true, minThetaE: 8, maxThetaE: 14, minSnr: 40, maxSnr: 60);
                    var (mock, _) = MockLensInjector.Inject(img, o);
                    string name = $"u{++hidden}-{parts[1]}.png";
                    ImageFile.Write(Path.Combine(tmp, name), mock, new WriteOptions { Depth = SampleFormat.UInt8 });
                    csv.Append(CultureInfo.InvariantCulture, $"{name},-1,u{hidden}-{parts[1]},\n");
                }
                if (n is 10 or 21)
                {
                    // The same picture as a g/r/z cube of linear fluxes, the form survey cutouts come in.
                    var img = ImageFile.Read(Path.Combine(tmp, file));
                    string name = $"{stem}-grz.fits";
                    ImageFile.Write(Path.Combine(tmp, name), ToGrz(img), new WriteOptions { Depth = SampleFormat.Float32 });
                    csv.Append(CultureInfo.InvariantCulture, $"{name},-1,{stem}-grz,\n");
                }
            }
            return await new ProjectImporter(state.Folder, state.Store).ImportAsync(tmp, csv.ToString(), Mocks, 20, state.Settings, ct);
        }
        finally
        {
            try { Directory.Delete(tmp, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// An sRGB picture as a linear g/r/z cube (B→g, G→r, R→z) in nanomaggy-like units with
    /// sky noise. Each band is divided by the Legacy Survey scale that the composite
    /// multiplies it by again, so a white object in the picture comes back white.
    /// </summary>
    public static AstroImage ToGrz(AstroImage rgb)
    {
        int w = rgb.Width, h = rgb.Height, n = w * h;
        var cube = new AstroImage(w, h, 3);
        var rng = new Random(5);
        for (int b = 0; b < 3; b++)
        {
            var src = rgb.Plane(2 - b); var dst = cube.Plane(b);
            for (int i = 0; i < n; i++)
            {
                double v = src[i];
                double lin = v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
                dst[i] = (float)(lin * 2.0 * StarPlugin.Lensing.Display.LuptonComposite.LegacyScales[2] / StarPlugin.Lensing.Display.LuptonComposite.LegacyScales[b]
                    + 0.003 * rng.NextGaussian());
            }
        }
        return cube;
    }
}
