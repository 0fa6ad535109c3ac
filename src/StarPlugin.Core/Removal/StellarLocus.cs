namespace StarPlugin.Removal;

/// <summary>
/// The width a star of a given brightness has in this frame, in units of the field's PSF
/// (<see cref="FieldPsf"/>): the stellar locus. In a stretched frame (what users hand to
/// GIMP) stars swell with brightness: the stretch lifts a bright star's wings far more than
/// a faint one's. Measured on the one-PSF synthetic field, the lower quartile of width
/// grows from 0.85 PSF for the faintest tenth to 1.44 for the brightest, and on the real
/// rim-nebula frame from 0.6 to 1.35; a fixed width test therefore took a quarter of the
/// bright stars for galaxies. Against the locus they read as what they are, while galaxies,
/// resolved beyond what a star of their brightness shows, still stand above it.
/// Built per frame from the round, unclipped sources: for each, the lower quartile of
/// width among the <see cref="Window"/> sources nearest in brightness (the lower quartile,
/// not the median, because galaxies and blends only ever widen), then made non-decreasing
/// with brightness (a stretch never narrows a brighter star).
/// </summary>
internal sealed class StellarLocus
{
    /// <summary>Sources in each running window; fewer in the frame and the locus is the PSF itself (1).</summary>
    public const int Window = 60;
    /// <summary>Roundness above this does not enter the locus: stars are round, elongation marks galaxies and blends.</summary>
    public const double RoundLimit = 0.15;

    private readonly float[] _brightness;
    private readonly double[] _width;

    private StellarLocus(float[] brightness, double[] width) { _brightness = brightness; _width = width; }

    /// <summary>Whether the frame had enough round sources to measure the locus; if not, <see cref="At"/> is the PSF (1).</summary>
    public bool Measured => _width.Length > 0;

    /// <summary>The locus of the frame whose sources (widths in PSF units) are <paramref name="sources"/>.</summary>
    public static StellarLocus Estimate(IReadOnlyList<ResidualStarCleanup.Target> sources)
    {
        // Indices in order of brightness, ties in census order (a stable sort), not copies
        // of the sources: a crowded field has a million.
        var round = Enumerable.Range(0, sources.Count)
            .Where(i => !sources[i].Star.Saturated && sources[i].Star.Roundness < RoundLimit && float.IsFinite(sources[i].Width)).ToArray();
        if (round.Length < Window) return new StellarLocus([], []);
        var brightness = round.Select(i => sources[i].Star.Brightness).ToArray();
        Array.Sort(brightness, round);
        // Array.Sort is not stable: put each run of equal brightness back in census order.
        for (int a = 0, b; a < round.Length; a = b)
        {
            for (b = a + 1; b < round.Length && brightness[b] == brightness[a]; b++) { }
            if (b - a > 1) Array.Sort(round, a, b - a);
        }
        var width = new double[round.Length];
        // The window's widths kept sorted as it slides (one out, one in, by binary search):
        // sorting all 60 afresh for each of ten thousand sources was 7 ms on one core.
        var window = new double[Window];
        for (int k = 0; k < Window; k++) window[k] = sources[round[k]].Width;
        Array.Sort(window);
        double floor = 0;
        for (int i = 0, at = 0; i < round.Length; i++)
        {
            int lo = Math.Clamp(i - Window / 2, 0, round.Length - Window);
            for (; at < lo; at++) Slide(window, sources[round[at]].Width, sources[round[at + Window]].Width);
            floor = Math.Max(floor, window[Window / 4]);
            width[i] = floor;
        }
        return new StellarLocus(brightness, width);
    }

    /// <summary>In the sorted <paramref name="window"/>, <paramref name="leaving"/> (one of its values) replaced by <paramref name="entering"/>, still sorted.</summary>
    private static void Slide(double[] window, double leaving, double entering)
    {
        int from = Array.BinarySearch(window, leaving);
        if (from < 0) throw new InvalidOperationException("the locus window lost a width");
        int to = Array.BinarySearch(window, entering);
        if (to < 0) to = ~to;
        // Shift the values between the two slots by one and drop the new one in.
        if (to > from) { to--; Array.Copy(window, from + 1, window, from, to - from); }
        else if (to < from) Array.Copy(window, to, window, to + 1, from - to);
        window[to] = entering;
    }

    /// <summary>A star's width in PSF units at <paramref name="brightness"/>: linear between sources, flat beyond the ends.</summary>
    public double At(float brightness)
    {
        if (_width.Length == 0) return 1;
        int hi = Array.BinarySearch(_brightness, brightness);
        if (hi < 0) hi = ~hi;
        if (hi == 0) return _width[0];
        if (hi >= _width.Length) return _width[^1];
        float b0 = _brightness[hi - 1], b1 = _brightness[hi];
        double t = b1 > b0 ? (brightness - b0) / (b1 - b0) : 1;
        return _width[hi - 1] + t * (_width[hi] - _width[hi - 1]);
    }
}
