using StarPlugin.Imaging;
using StarPlugin.Lensing.Finder;

namespace StarPlugin.Lensing.Training;

/// <summary>A real picture to cut backgrounds from: its colour order, seeing and the cutout centres allowed in this split.</summary>
public sealed record RealPicture(string Name, AstroImage Image, BandOrder Order, double FwhmPx, IReadOnlyList<(int X, int Y)> Centres);

/// <summary>A real galaxy's picture used as an impostor (spiral, ring, merger, edge-on).</summary>
public sealed record GalaxyPicture(string Name, string Kind, AstroImage Image, BandOrder Order);

/// <summary>One labelled cutout and how it was made.</summary>
public sealed record TrainingExample(AstroImage Image, BandOrder Order, int Label, string Domain, string Impostor, string Source, double ThetaE, double ArcSnr);

/// <summary>
/// The lens finder's training set, one example per index, the same for the same seed
/// in every process. Half the examples are rendered survey cutouts (DESI-like, g/r/z,
/// linear), half are cut from real cluster pictures (8-bit RGB, stored as such). Half
/// carry a mock arc from the mock-lens engine; most negatives, and some positives,
/// carry an impostor, so that neither "something was added" nor "an odd shape is
/// there" gives the label away.
/// </summary>
public sealed class LensTrainingSet(int size, IReadOnlyList<RealPicture> pictures, IReadOnlyList<GalaxyPicture> galaxies)
{
    public int Size { get; } = size;
    /// <summary>Share of examples cut from real pictures (when there are any).</summary>
    public double RealFraction { get; init; } = 0.5;
    public double ImpostorInNegatives { get; init; } = 0.65;
    public double ImpostorInPositives { get; init; } = 0.2;

    public TrainingExample Example(int seed, int index)
    {
        var rng = new Random(RandomExtensions.SubSeed(seed, index));
        AstroImage image; BandOrder order; double fwhm; string domain, source;
        var usable = pictures.Where(p => p.Centres.Count > 0).ToList();
        if (usable.Count > 0 && rng.NextDouble() < RealFraction)
        {
            var p = usable[rng.Next(usable.Count)];
            var (x, y) = p.Centres[rng.Next(p.Centres.Count)];
            image = p.Image.Crop(x - Size / 2, y - Size / 2, Size, Size).WithoutAlpha();
            if (rng.NextDouble() < 0.5) image = Turned(image, rng.Next(4), rng.NextDouble() < 0.5);
            order = p.Order; fwhm = p.FwhmPx; domain = "real"; source = $"{p.Name}@{x}_{y}";
        }
        else
        {
            var field = SurveyFieldRenderer.Render(Size, rng);
            image = field.Image; order = BandOrder.BlueFirst; fwhm = field.FwhmPx.Average(); domain = "survey"; source = "rendered";
        }

        int label = rng.NextDouble() < 0.5 ? 1 : 0;
        string impostor = "";
        var lum = image.Luminance();
        var (lx, ly) = MockLensInjector.BrightestNearCentre(lum, Size, Size);
        if (rng.NextDouble() < (label == 1 ? ImpostorInPositives : ImpostorInNegatives))
            impostor = AddImpostor(image, order, fwhm, lx, ly, rng);

        double thetaE = 0, snr = 0;
        if (label == 1)
        {
            thetaE = Math.Exp(Math.Log(3) + rng.NextDouble() * Math.Log(20.0 / 3));
            double beta = Math.Sqrt(rng.NextDouble()) * Math.Min(0.6 * thetaE, 5), ba = rng.NextDouble() * 2 * Math.PI;
            var colour = SurveyFieldRenderer.BlueColour(rng, 1);
            double[] ratios = image.ColorChannels == 1 ? [1] : InOrder(colour.Select(c => c / colour[0]).ToArray(), order);
            var o = new MockLensOptions
            {
                EinsteinRadius = thetaE, AxisRatio = 0.4 + rng.NextDouble() * 0.6, PositionAngle = rng.NextDouble() * Math.PI,
                Shear = rng.NextDouble() * 0.1, ShearAngle = rng.NextDouble() * Math.PI,
                SourceRadius = 0.6 + rng.NextDouble() * 3.4, SourceIndex = 0.6 + rng.NextDouble() * 2.4, SourceAxisRatio = 0.3 + rng.NextDouble() * 0.7,
                SourceAngle = rng.NextDouble() * Math.PI, SourceOffsetX = beta * Math.Cos(ba), SourceOffsetY = beta * Math.Sin(ba),
                ArcSnr = Math.Exp(Math.Log(8) + rng.NextDouble() * Math.Log(100.0 / 8)), BandRatios = ratios, PsfFwhm = fwhm,
                Supersample = 3, Seed = (ulong)rng.Next(1, int.MaxValue),
            };
            var (mock, record) = MockLensInjector.Inject(image, o);
            image = mock; snr = record.ArcSnr;
        }
        if (domain == "real") Quantise(image);
        return new TrainingExample(image, order, label, domain, impostor, source, thetaE, snr);
    }

    private string AddImpostor(AstroImage image, BandOrder order, double fwhm, double lx, double ly, Random rng)
    {
        double r = rng.NextDouble() < 0.45 ? rng.NextDouble() * 2 : 3 + rng.NextDouble() * 22, a = rng.NextDouble() * 2 * Math.PI;
        double cx = lx + r * Math.Cos(a), cy = ly + r * Math.Sin(a);
        SkyLight light; bool blur; double snrMin, snrMax; string name;
        if (galaxies.Count > 0 && rng.NextDouble() < 0.3)
        {
            var g = galaxies[rng.Next(galaxies.Count)];
            light = ImpostorRenderer.FromPicture(g.Image, g.Order, Size, cx, cy, 8 + rng.NextDouble() * 40, rng.Next(4), rng.NextDouble() < 0.5);
            // A picture's colours, back to survey fluxes (the inverse of InOrder's weights).
            for (int b = 0; b < 3; b++) System.Numerics.Tensors.TensorPrimitives.Multiply(light.Bands[b], (float)(1 / PictureWeights[b]), light.Bands[b]);
            blur = true; snrMin = 15; snrMax = 300; name = $"picture:{g.Kind}:{g.Name}";
        }
        else
        {
            var kinds = Enum.GetValues<ImpostorKind>();
            var kind = kinds[rng.Next(kinds.Length)];
            var imp = ImpostorRenderer.Render(kind, Size, cx, cy, rng);
            light = imp.Light; blur = imp.Blur; snrMin = imp.SnrMin; snrMax = imp.SnrMax; name = kind.ToString();
        }
        var planes = blur ? light.Blurred([fwhm, fwhm, fwhm]) : light.Bands;
        if (image.ColorChannels == 1) planes = [planes.Aggregate(new float[Size * Size], (acc, p) => { System.Numerics.Tensors.TensorPrimitives.Add(acc, p, acc); return acc; })];
        else if (order == BandOrder.RedFirst)
        {
            var w = InOrder([1, 1, 1], order);
            planes = [Times(planes[2], w[0]), Times(planes[1], w[1]), Times(planes[0], w[2])];
        }
        var noise = LightInjection.Measure(image);
        // S/N in the band where the impostor stands out most: one-band artefacts have no light elsewhere.
        int reference = Enumerable.Range(0, planes.Length).MaxBy(b => planes[b].Sum(v => (double)v) / noise[b].Sigma);
        double target = Math.Exp(Math.Log(snrMin) + rng.NextDouble() * Math.Log(snrMax / snrMin));
        double scale = LightInjection.ScaleForSnr(planes[reference], noise[reference], target);
        LightInjection.Add(image, planes, scale, Enumerable.Repeat(1.0, planes.Length).ToArray(), noise, rng);
        return name;
    }

    /// <summary>
    /// g, r, z fluxes as the image holds them: unchanged in a g/r/z cube; in an R, G, B
    /// picture weighted as the Legacy Survey viewer renders them (g 6.0, r 3.4, z 2.2),
    /// so that a source blue in the survey is blue in the picture too.
    /// </summary>
    private static double[] InOrder(double[] blueFirst, BandOrder order) =>
        order == BandOrder.BlueFirst ? blueFirst : [blueFirst[2] * PictureWeights[2], blueFirst[1] * PictureWeights[1], blueFirst[0] * PictureWeights[0]];

    private static readonly double[] PictureWeights = [6.0, 3.4, 2.2];

    private static float[] Times(float[] plane, double k)
    {
        var r = new float[plane.Length];
        System.Numerics.Tensors.TensorPrimitives.Multiply(plane, (float)k, r);
        return r;
    }

    /// <summary>What an 8-bit picture can hold: [0, 1] in steps of 1/255.</summary>
    private static void Quantise(AstroImage image)
    {
        var d = image.Data;
        for (int i = 0; i < d.Length; i++) d[i] = MathF.Round(Math.Clamp(d[i], 0f, 1f) * 255f) / 255f;
        image.Metadata.SourceFormat = SampleFormat.UInt8;
    }

    /// <summary>The image turned by k quarter turns, mirrored first if asked.</summary>
    public static AstroImage Turned(AstroImage img, int quarterTurns, bool mirror)
    {
        int n = img.Width;
        if (img.Height != n) throw new ArgumentException("only square images turn in place");
        var r = new AstroImage(n, n, img.Channels, img.Metadata.Clone());
        for (int c = 0; c < img.Channels; c++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                {
                    int sx = mirror ? n - 1 - x : x, sy = y;
                    for (int t = 0; t < (quarterTurns & 3); t++) (sx, sy) = (sy, n - 1 - sx);
                    r[c, y, x] = img[c, sy, sx];
                }
        return r;
    }
}
