namespace StarPlugin.Lensing;

/// <summary>
/// Random mock-lens parameters over the ranges of galaxy-scale lenses in ground-based
/// cutouts (θE 4-16 px, a blue compact source, arc S/N 10-60). The same ranges as
/// `mock-lens batch`, so a project's mocks look like the training sets made there.
/// </summary>
public static class MockLensDraw
{
    public static MockLensOptions Draw(Random rng, ulong seed, int colorChannels, bool redFirst, double minThetaE = 4, double maxThetaE = 16, double minSnr = 10, double maxSnr = 60)
    {
        var o = new MockLensOptions
        {
            EinsteinRadius = minThetaE + rng.NextDouble() * (maxThetaE - minThetaE), AxisRatio = 0.5 + rng.NextDouble() * 0.5, PositionAngle = rng.NextDouble() * Math.PI,
            Shear = rng.NextDouble() * 0.08, ShearAngle = rng.NextDouble() * Math.PI,
            SourceRadius = 0.8 + rng.NextDouble() * 2.5, SourceIndex = 0.7 + rng.NextDouble() * 2, SourceAxisRatio = 0.4 + rng.NextDouble() * 0.6,
            SourceAngle = rng.NextDouble() * Math.PI, SourceOffsetX = (rng.NextDouble() - 0.5) * 4, SourceOffsetY = (rng.NextDouble() - 0.5) * 4,
            ArcSnr = minSnr + rng.NextDouble() * (maxSnr - minSnr), Seed = seed,
        };
        // Arcs are blue star-forming galaxies: brightest in g, the first band of a g/r/z
        // cube; an RGB picture holds red first, so its ratios run the other way.
        if (colorChannels != 3) return o;
        return o with { BandRatios = redFirst ? [0.6, 0.85, 1.0] : [1.0, 0.85, 0.6] };
    }
}
