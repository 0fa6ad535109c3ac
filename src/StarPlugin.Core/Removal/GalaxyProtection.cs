using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using StarPlugin.Detection;
using StarPlugin.Imaging;
using StarPlugin.Progress;
using StarPlugin.Threading;

namespace StarPlugin.Removal;

/// <summary>
/// Last stage for galaxy fields: gives back what the network (and the cleanup) took from
/// sources broader than the field's stars. Our model, like every star remover, erases many
/// small galaxies, which at a few pixels look much like stars. What does tell them apart is
/// width: all stars at one place in a frame share one PSF, galaxies are resolved beyond it.
/// So:
/// 1. segment the input's luminance (model domain) into regions above sky + 3σ;
/// 2. a region is a galaxy when its brightest source is resolved (broader than a star of
///    its brightness at its place, see <see cref="WidthTest"/> and
///    <see cref="StellarLocus"/>) and not saturated, and it is no larger than a disc of
///    <see cref="MaxRadius"/> PSF FWHM; in regions larger than <see cref="MinLargeRadius"/>
///    that are not judged whole (a galaxy in nebulosity, where stars abound) only the
///    pixels near each resolved source count; in a galaxy field, a region with no
///    star-like source at all is a galaxy too (edge-on and diffuse ones);
/// 3. there, and a feathered pixel or two around, the star layer is zeroed: the starless
///    image is the input. Discs around unresolved sources on those pixels (stars in front
///    of the galaxy) stay removed. Over the pixels near resolved sources in large regions,
///    only the layer above its level round them is given back (<see cref="PartFloors"/>):
///    a large region is often a bright star's halo, which must stay removed.
/// Once the stage acts, the cluster galaxies too broad for the census (the 4×4-binned
/// pass' sources wider than <see cref="SoftGalaxyWidth"/>) each give back a part of their
/// own, and in a galaxy field so does a resolved source that shares a small region with a
/// brighter star when it is <see cref="SmallRegionBroad"/> times a star's width; in those
/// parts a clipped source under that width gets a hole too. The holes are then filled
/// again from the galaxy round them, where that is brighter than before.
/// Widths are against the PSF where the source stands (<see cref="FieldPsf"/>), so stars
/// swollen by coma or field curvature toward a wide field's edges stay stars, and against
/// the stellar locus, so bright stars swollen by the stretch stay stars too.
/// What width cannot settle is a close double: two stars a FWHM apart read as one broad,
/// elongated source, as a small galaxy does. Which is likelier depends on the frame, so in
/// <see cref="GalaxyMode.Auto"/> (the default) the stage acts only in galaxy fields, where
/// resolved sources carry at least <see cref="GalaxyFieldShare"/> of the sources' light
/// (and there are enough round sources, <see cref="StellarLocus.Window"/>, to judge by),
/// most of that light in elongated sources (<see cref="GalaxyFieldElongatedShare"/>: the
/// swollen bright stars of star clusters are round), on a sky that stays level under the sources (<see cref="GalaxyFieldSkySpread"/>):
/// knots in bright nebulosity are broad too, and carried 49–60 % of the light in two
/// real nebula frames (IC 434, RCW 32), where auto then kept hundreds of them.
/// Measured: the Hubble deep field 66 %; star fields with nebulae 3–23 % (three real
/// frames, three synthetic ones with truth, where the stage would only restore doubles).
/// In a galaxy field the tests loosen (<see cref="InGalaxyField"/>, sourceless regions).
/// The deep field's default result keeps 83 % of the galaxies' light (72 % with the
/// star-field tests, 36 % from the network alone). A clipped source counts as a galaxy
/// only without spikes, and either barely clipped in a galaxy field or, under always,
/// smooth far past its clipped top (<see cref="SmoothClippedShare"/>, <see cref="QuarterExtent"/>):
/// a clipped star is far likelier, and the one clipped elliptical of the deep field looks
/// like one to the detector; but a hard-stretched cluster clips every bright galaxy's core.
/// </summary>
internal static class GalaxyProtection
{
    /// <summary>
    /// When a source is resolved (a galaxy): its FWHM exceeds <see cref="Extended"/> × the
    /// stellar locus and it is also elongated (roundness above <see cref="Elongated"/>) or
    /// wider still than <see cref="Broad"/>. Width alone took one star in five of the
    /// held-out pairs, whose stars scatter in FWHM and Moffat β; a star is rarely both broad
    /// and elongated (3.5 % of them there, against 36 % of the galaxies).
    /// </summary>
    public readonly record struct WidthTest(double Extended, double Broad, double Elongated)
    {
        public bool IsResolved(ResidualStarCleanup.Target s, StellarLocus locus)
        {
            double width = s.Width / locus.At(s.Star.Brightness);
            return width > Extended && (width > Broad || s.Star.Roundness > Elongated);
        }
    }

    /// <summary>
    /// The test in a star field, and the one that judges whether a frame is a galaxy field.
    /// It takes 2 % of the one-PSF synthetic field's stars (close doubles).
    /// </summary>
    public static readonly WidthTest InStarField = new(1.3, 1.6, 0.2);
    /// <summary>
    /// The test once a frame is a galaxy field, where a broad source is most likely a
    /// galaxy: it lets through the compact ones the star-field test leaves (Hubble deep
    /// field, default result: 5 points more of the light kept), at 3.5 % of the stars
    /// (one-PSF field) against 2 %. Looser still (1.2, 1.3, 0.15)
    /// took 12 % of that field's stars.
    /// </summary>
    public static readonly WidthTest InGalaxyField = new(1.2, 1.6, 0.15);
    /// <summary>
    /// The share of the confident sources' light in resolved ones (<see cref="ResolvedShare"/>)
    /// from which galaxies dominate a galaxy field: the Hubble deep field 0.65; the galaxy
    /// clusters and groups auto acts on 0.41-0.48 (Leo 0.45, Coma 0.48). Where they do, a
    /// weak compact peak inside a given-back galaxy is as likely a knot of it as a star in
    /// front of it (<see cref="Apply"/>'s holes for the weaker peaks).
    /// </summary>
    public const double GalaxyDominatedShare = 0.55;
    /// <summary>Lowest correlation coefficient (unless clipped) of a census source this stage judges.</summary>
    public const float ConfidentCoefficient = 0.8f;
    /// <summary>
    /// Regions up to a disc of MaxRadius PSF FWHM in radius are judged whole by their
    /// brightest source. In regions beyond a disc of MinLargeRadius that are not given back
    /// whole (nebulosity, touching neighbours), only the pixels within
    /// GalaxyRadius·FWHM + 3 px of each resolved source are (a clipped galaxy's reach as far
    /// as its quarter region, <see cref="QuarterRegion"/>, where no other bright source is).
    /// </summary>
    public const double MaxRadius = 20, MinLargeRadius = 12, GalaxyRadius = 2;
    /// <summary>Sources at least this bright (contrast-normalised peak) are checked for diffraction spikes before they count as galaxies.</summary>
    public const float SpikeCheckBrightness = 0.5f;
    /// <summary>
    /// Narrowest fill-only source (<see cref="Apply"/>'s soft), in PSF FWHM, the stage judges:
    /// the widest the fills take for a soft star (<see cref="ResidualStarCleanup.MaxFillOnlyWidth"/>).
    /// </summary>
    public const double SoftGalaxyWidth = ResidualStarCleanup.MaxFillOnlyWidth;
    /// <summary>
    /// In a galaxy field, a resolved source that shares a small region with a brighter star
    /// (Coma's NGC 4927) still comes back, as a part, when it is this many times as broad as
    /// a star of its brightness here. At 1.2 (the field's test) 190 more sources came back in
    /// Leo and Coma, many of them faint dots the eye cannot call; at 2, 36 in all, each a
    /// galaxy to the eye, with the same galaxy light kept.
    /// </summary>
    public const double SmallRegionBroad = 2;
    /// <summary>
    /// In a galaxy field, a clipped source with at most <see cref="BarelyClipped"/> clipped
    /// pixels that is this many times a star's width counts as a galaxy (unless it has spikes).
    /// </summary>
    public const double ClippedGalaxyBroad = 2.5;
    /// <summary>
    /// Under <see cref="GalaxyMode.Always"/> outside galaxy fields, an unclipped source this
    /// round (roundness at most this) is a star however broad. In a stretched frame a bright
    /// star swells with its light while its peak stays near the top, so its width outruns
    /// the locus at that peak: on the pictures of galaxies (NGC 5363, 691, 2146, 4274) the
    /// stage gave back dozens of plain bright stars whole, 1.6-3.5 times the locus and
    /// roundness 0.01-0.07. Galaxies are seldom that round; galaxy fields keep their tests,
    /// and a source broader than <see cref="RoundStarBroad"/> times the locus (a large round
    /// elliptical) is judged as before. Where the frame's own stars are less round (a
    /// photographic plate's: the Digitized Sky Survey's NGC 4274, median 0.24) the limit is
    /// their median roundness, and elongated means more than three in four of them
    /// (<see cref="StarRoundness"/>): there the stage gave back faint stars as elongated.
    /// </summary>
    public const double RoundStar = 0.1;
    /// <summary>The broadest (times the locus) a round source is taken for a swollen star: those stars reached 3.5.</summary>
    public const double RoundStarBroad = 4;
    /// <summary>The fewest bright unclipped sources <see cref="StarRoundness"/> reads a frame's stars from.</summary>
    public const int StarRoundnessSources = 30;
    /// <summary>The most clipped pixels of a barely clipped source (the detector makes a clipped disc of 4 and more).</summary>
    public const int BarelyClipped = 2;
    /// <summary>
    /// Under <see cref="GalaxyMode.Always"/>, a clipped source with more clipped pixels than
    /// <see cref="BarelyClipped"/> counts as a galaxy (more than <see cref="SmoothClippedBroad"/>
    /// times a star's width, its spider judged and without arms even to the looser test)
    /// when its light is smooth: of the pixels a quarter of the way from the sky to its top
    /// (connected to its top, <see cref="QuarterRegion"/>), at least this share survive an
    /// opening by a 3×3 square. The hard-stretched Fornax and Hydra
    /// clusters clip every bright galaxy's core, and the network took NGC 1387, 1379, 1382 and
    /// 1404 whole: such galaxies read 0.9-1.0; Fornax's clipped stars, with thin spikes and
    /// ragged haloes the spider test misses, 0.46-0.48.
    /// </summary>
    public const double SmoothClippedShare = 0.7;
    /// <summary>
    /// How many times a star's width such a smooth, more than barely clipped source must be.
    /// Perseus' and Leo's spiked stars the spider test misses (a galaxy beside one drew the
    /// fold to its own angle) measure 2.6-2.7 and are smooth above a quarter of their peak;
    /// the clipped galaxies of Fornax 3.2-6.4.
    /// </summary>
    public const double SmoothClippedBroad = 3;
    /// <summary>
    /// Half the side of the box <see cref="QuarterRegion"/> reads (px). The region is at most
    /// the box (2,401 px), so a source with more than 200 clipped pixels never reaches
    /// <see cref="QuarterExtent"/>: such a top is a bright star's far likelier than a galaxy's
    /// (and the network keeps the large galaxies). Its spans live on the stack (about 27 KB).
    /// </summary>
    public const int SmoothReach = 24;
    /// <summary>
    /// And its light reaches far past its clipped top: the pixels above a quarter of its peak
    /// at least this many times its clipped pixels. A clipped star's light falls within a
    /// PSF of its clipped disc; a galaxy's goes on. Catalogued galaxies of the clusters with a
    /// clipped core: median 36, nine in ten over 13; Leo's spiked star the spider test misses,
    /// smooth above a quarter (thin spikes lie below it): 29 pixels for 3 clipped, 9.7.
    /// </summary>
    public const double QuarterExtent = 12;
    /// <summary>
    /// In a galaxy field, a clipped source narrower than <see cref="ClippedGalaxyBroad"/> times
    /// a star's width still counts as a galaxy (<see cref="CompactClippedGalaxy"/>) when it is
    /// at least this broad, its light is smooth (<see cref="SmoothClippedShare"/>) and reaches
    /// <see cref="CompactQuarterExtent"/> times its clipped pixels, centred on its top
    /// (<see cref="CentredQuarter"/>). Hercules' round clipped cores (NGC 6044, 6039, 6041,
    /// 6042, 6043, 6047, 6056, IC 1178, 1182, 1183, 1185) measure 1.65-2.4 times a star's
    /// width: the network took them and left dark discs, inside NGC 6039's spiral too.
    /// </summary>
    public const double CompactClippedBroad = 1.6;
    /// <summary>
    /// The least quarter region (<see cref="QuarterRegion"/>), in clipped pixels, of such a
    /// compact clipped galaxy: Hercules' 30-130. Of the clipped sources of Stellarium's 535
    /// pictures and Coma that pass all these tests, 49 are catalogued galaxies and 191 others;
    /// in the 12 frames auto takes for galaxy fields, 13 galaxies (Hercules' 11, two of the
    /// NGC 4170 group) and no other source (three stars before the region had to be centred).
    /// The others are star clusters' bright stars, where the stage does not act unless asked.
    /// </summary>
    public const double CompactQuarterExtent = 25;
    /// <summary>
    /// The farthest the quarter region's centroid may lie from the top, in the region's
    /// equivalent radii (<see cref="QuarterRegion"/>'s Offset): Hercules' compact clipped
    /// galaxies 0.02-0.64 (NGC 6039 in its spiral's light the most); the three stars that
    /// pass the tests above in the galaxy fields, each beside a brighter neighbour whose light
    /// its region runs into, 1.04-1.07.
    /// </summary>
    public const double CentredQuarter = 0.8;
    /// <summary>The spike test a barely clipped galaxy must pass: arms at this many σ on this share of the rings.</summary>
    public const double LooseArmSigma = 3, LooseArmRings = 0.4;
    /// <summary>Segmentation threshold in σ of the local background noise.</summary>
    public const float Threshold = 3f;
    /// <summary>Regions smaller than this are noise.</summary>
    public const int MinArea = 12;
    /// <summary>In <see cref="GalaxyMode.Auto"/>, the share of the unsaturated sources' flux in resolved sources that makes a galaxy field.</summary>
    public const double GalaxyFieldShare = 0.4;
    /// <summary>
    /// In <see cref="GalaxyMode.Auto"/>, the least share of the resolved sources' flux in
    /// elongated ones for a galaxy field. Galaxies are seldom round; the bright stars of a
    /// star cluster, swollen by the stretch past what the locus expects of their brightness
    /// (bright stars crowd the top of an 8-bit range, where peak brightness no longer tells
    /// them apart), are. On Stellarium's 535 pictures under 1000 px the share and the sky's
    /// spread alone made 42 galaxy fields, of which four are (Leo and the groups of NGC 3750,
    /// 4170 and 4490): the others were 18 star clusters, 9 nebulae and 11 galaxy pictures,
    /// where the stage gave back 30-1142 bright stars as galaxies (M37, M38, NGC 3114,
    /// NGC 6087, NGC 6397, IC 4756, the stars round M65). The galaxy fields' elongated
    /// sources carry 64-84 % of the resolved light (Leo 68, Coma 73, the Hubble deep field 84;
    /// the groups 64-75); with this test the stage acts on 9 of the 535: those four, and M35,
    /// three globular clusters (NGC 362, 6624, 6760: blends in a crowded core are elongated)
    /// and the Cat's Eye nebula.
    /// </summary>
    public const double GalaxyFieldElongatedShare = 0.6;
    /// <summary>
    /// In <see cref="GalaxyMode.Auto"/>, the most the sky under the sources may vary (the
    /// 10th to 90th percentile of their local backgrounds, in the model domain's [0, 1])
    /// for a galaxy field. Galaxies stand on dark, level sky: the Hubble deep field 0.03,
    /// the Coma and Leo clusters 0.01; nebula frames 0.15–0.30 (M8, NGC 3603, IC 434, RCW 32).
    /// </summary>
    public const double GalaxyFieldSkySpread = 0.1;
    /// <summary>
    /// A hard-stretched galaxy cluster clips its bright galaxies' cores, so its resolved
    /// unclipped sources carry little of the light (Fornax 0.16, Hercules 0.34) and the test
    /// above passes it by. On a level sky (<see cref="GalaxyFieldSkySpread"/>) a frame is a
    /// galaxy field too when at least this many of its clipped sources, and
    /// <see cref="ClusterSmoothClippedShare"/> of them, read as galaxies by their profile
    /// (<see cref="SmoothClippedGalaxy"/>, what always gives back). Counted (RemovalBench
    /// galaxy-field) on the 49 dev pictures and Stellarium's 535: Coma 21, Hercules 18, Fornax
    /// 17 (6.6-8.7 % of their clipped sources); any other frame on a level sky 6 at most
    /// (NGC 654), and on any sky 10 (NGC 3293, spread 0.29). Leo 3, Hydra 3 (its galaxies clip
    /// over too much of their light), Perseus 1.
    /// </summary>
    public const int ClusterSmoothClipped = 12;
    public const double ClusterSmoothClippedShare = 0.04;

    /// <summary>
    /// Zeroes the model-domain star layer over galaxies; returns how many regions were
    /// protected, and whether the frame held more runs of sources than <paramref name="maxRuns"/>
    /// (then nothing was given back).
    /// </summary>
    /// <param name="census">The cleanup's sources (<see cref="ResidualStarCleanup.FindStars"/>): positions, widths in PSF units.</param>
    /// <param name="always">Act in any frame, not only in galaxy fields (<see cref="GalaxyMode.Always"/>).</param>
    /// <param name="maxRuns">Most runs (row segments above the threshold) the segmentation may hold; 0: no limit.</param>
    /// <param name="locus">The frame's stellar locus (<see cref="LocusOf"/>), when the caller has it already.</param>
    /// <param name="soft">
    /// The fills' sources from outside the census (<see cref="ResidualStarCleanup.FindSources"/>'
    /// FillOnly). Those of the 4×4 pass wider than <see cref="SoftGalaxyWidth"/> are judged
    /// with the census once the stage acts (they do not judge the frame).
    /// </param>
    /// <param name="spiders">
    /// Spider readings already made (<see cref="DiffractionSpikes.Apply"/>'s), by source position;
    /// the stage adds those it makes. The same test on the same input: read once.
    /// </param>
    public static (int Kept, bool Limited) Apply(IReadOnlyList<ResidualStarCleanup.Target> census, bool always, float[] data, ModelDomain domain, float[] layers, int colours, int w, int h, ProgressReporter progress, long maxRuns = 0, StellarLocus? locus = null,
        IReadOnlyList<ResidualStarCleanup.Target>? soft = null, Dictionary<(double X, double Y, double Fwhm), DiffractionSpikes.SpiderReading>? spiders = null)
    {
        // The census also lists the weaker peaks the fills need; the star-or-galaxy
        // judgement was built and benched on the confident sources only.
        var confident = new Confident(census);
        locus ??= StellarLocus.Estimate(confident);
        spiders ??= [];
        DiffractionSpikes.SpiderReading Spider(in ResidualStarCleanup.Source s)
        {
            if (!spiders.TryGetValue((s.X, s.Y, s.Fwhm), out var reading)) spiders[(s.X, s.Y, s.Fwhm)] = reading = DiffractionSpikes.ReadSpider(s, data, domain, colours, w, h);
            return reading;
        }
        // Quarter regions likewise: the frame test, the clipped-galaxy tests and a kept part's
        // reach each read a clipped source's.
        var quarters = new Dictionary<(double X, double Y, double Fwhm), (double Smooth, int Area, int Clipped, double Offset)>();
        (double Smooth, int Area, int Clipped, double Offset) Quarter(in ResidualStarCleanup.Source s)
        {
            if (!quarters.TryGetValue((s.X, s.Y, s.Fwhm), out var region)) quarters[(s.X, s.Y, s.Fwhm)] = region = QuarterRegion(s, data, domain, colours, w, h);
            return region;
        }
        // Auto judges the frame only where it has enough sources to show what its stars look
        // like; a cluster of clipped galaxies is a galaxy field under always as well (the
        // star-field tests there gave back less than auto now does).
        bool galaxyField = IsGalaxyField(confident, locus);
        bool clippedCluster = !galaxyField && IsClusterOfClippedGalaxies(confident, locus, Spider, Quarter, progress);
        galaxyField |= clippedCluster;
        if (confident.Count == 0 || !always && !galaxyField) { progress.Advance(); return (0, false); }
        // The large galaxies of a cluster (Leo's NGC 3861, 3884, Coma's NGC 4907, 4911: 9-16 px
        // across against a PSF of 1.3) are too broad for the census' sweeps; only the 4×4
        // pass sees them, and the network took 94-96 % of each. No star is that broad
        // unclipped, and the fills leave such sources alone too.
        var sources = soft == null ? confident : confident.With(soft.Where(t => !t.Star.Saturated && t.Width > SoftGalaxyWidth).ToArray());
        var stars = galaxyField ? default : StarRoundness(confident);
        var test = galaxyField ? InGalaxyField : InStarField with { Elongated = Math.Max(InStarField.Elongated, stars.UpperQuartile) };
        double roundStar = Math.Max(RoundStar, stars.Median);
        bool Resolved(ResidualStarCleanup.Target t) => test.IsResolved(t, locus)
            && (galaxyField || t.Star.Saturated || t.Star.Roundness > roundStar || t.Width > RoundStarBroad * locus.At(t.Star.Brightness));
        int n = w * h;
        // The luminance is computed row by row wherever it is needed, the regions are kept
        // as runs, and the weight lives in bands of rows: the stage's memory is a band and
        // the runs, not the three planes (luminance, labels, weight) it held before.
        var regions = SourceRegions.Find((y, row) => ResidualStarCleanup.LuminanceRow(data, domain, colours, w, n, y, row), w, h, Threshold, maxRuns);
        progress.ThrowIfCancelled();
        if (regions == null) { progress.Advance(); return (0, true); }

        // The brightest source of each region decides what the region is; of the census only
        // (the soft sources each give back a part of their own, below).
        var brightest = new int[regions.Count + 1];
        Array.Fill(brightest, -1);
        for (int i = 0; i < confident.Count; i++)
        {
            int k = RegionAt(regions, sources[i].Star, w, h);
            if (k > 0 && (brightest[k] < 0 || Brighter(sources[i].Star, sources[brightest[k]].Star))) brightest[k] = i;
        }
        // Small regions: the whole region, when its brightest source is a galaxy, or, in a
        // galaxy field, when it has no star-like source at all: edge-on and diffuse galaxies,
        // which the detector's round kernels do not fit (no faint star spreads over a disc of
        // a PSF FWHM's radius above 3σ and escapes the detector).
        var galaxy = new bool[regions.Count + 1];
        int protectedCount = 0;
        // A bright star's spikes make it broad and elongated, and Leo's brightest unclipped
        // star came back whole with them: a source with a four-armed spider is a star. Only
        // bright sources can have spikes, and each is looked at once.
        bool Bright(int i) => sources[i].Star.Saturated || sources[i].Star.Brightness >= SpikeCheckBrightness;
        var bright = Enumerable.Range(0, sources.Count).Where(Bright).ToArray();
        bool Spiked(int i) => Bright(i) && Spider(sources[i].Star).Angle() is not null;
        // In a galaxy field a barely clipped source (a clipped top of a pixel or two, where a
        // clipped star's is a disc) keeps the width of its profile, and counts as a galaxy
        // when it is ClippedGalaxyBroad times a star's width and shows no spikes even to a
        // looser test: Coma's small ellipticals (NGC 4881, 4860, 4923: 1-2 clipped pixels,
        // 2.9-3.5 times a star's width). Of the 46 so judged on Leo and Coma with up to 3
        // clipped pixels and the usual spike test, two were stars with spikes: one (3 clipped
        // pixels) the pixel count leaves out, the other the looser spike test (arms at 3 σ on
        // 40 % of the rings) finds. Under always (in any frame) a more clipped source counts
        // too when its light is smooth and reaches far past its clipped top
        // (ClippedGalaxyProfile): Fornax's ellipticals, taken whole by the network. Not in
        // auto: of the frames auto takes for galaxy fields on Stellarium's pictures, it gave
        // back the clipped core of the globular cluster NGC 6624 whole; but in a frame that
        // is a galaxy field for its many such sources (ClusterSmoothClipped), yes.
        var clippedGalaxy = new Dictionary<int, bool>();
        bool ClippedGalaxy(int i)
        {
            if (!(galaxyField || always) || i >= confident.Count || !sources[i].Star.Saturated || Spiked(i)) return false;
            if (clippedGalaxy.TryGetValue(i, out bool galaxyLike)) return galaxyLike;
            var t = sources[i];
            galaxyLike = (t.Width > ClippedGalaxyBroad * locus.At(t.Star.Brightness) && ClippedGalaxyProfile(t)
                    || galaxyField && CompactClippedGalaxy(t, locus, Spider, Quarter))
                && Spider(t.Star).Angle(LooseArmSigma, LooseArmRings) is null;
            clippedGalaxy[i] = galaxyLike;
            return galaxyLike;
        }
        // A barely clipped top (a pixel or two, where a clipped star's is a disc), in a galaxy
        // field; or, under always, more clipped and broader still (SmoothClippedBroad), smooth
        // light reaching far past the clipped top (SmoothClippedShare, QuarterExtent). In a
        // cluster of clipped galaxies a barely clipped top must be smooth as well: Fornax's
        // stars with thin spikes the spider test misses are barely clipped, 2.5-3.1 times a
        // star's width and ragged (0.46-0.55), and came back whole; its galaxies so clipped
        // read 0.76-1.00. (Leo's and Coma's barely clipped galaxies go down to 0.47.) And
        // judged by the spider test, as the broader ones must be.
        bool ClippedGalaxyProfile(ResidualStarCleanup.Target t)
        {
            var s = t.Star;
            if (galaxyField && ClippedPixels(s, data, domain, colours, w, h) <= BarelyClipped)
                return !clippedCluster || Spider(s).Judged && Quarter(s).Smooth >= SmoothClippedShare;
            return (always || clippedCluster) && SmoothClippedGalaxy(t, locus, Spider, Quarter);
        }
        double psf = galaxyField ? FramePsf(confident) : 0;
        for (int k = 1; k <= regions.Count; k++)
        {
            if (regions.Area[k] < MinArea) continue;
            if (brightest[k] < 0)
            {
                if (galaxyField && regions.Area[k] >= Math.PI * psf * psf && regions.Area[k] <= Math.PI * Math.Pow(MaxRadius * psf, 2)) { galaxy[k] = true; protectedCount++; }
                continue;
            }
            var s = sources[brightest[k]];
            if (regions.Area[k] > DiscArea(MaxRadius, s) || s.Star.Saturated && !ClippedGalaxy(brightest[k]) || !Resolved(s) || Spiked(brightest[k])) continue;
            galaxy[k] = true; protectedCount++;
        }
        // Large regions (a galaxy in nebulosity or touching a neighbour): only the part of the
        // region within GalaxyRadius of each resolved source in it.
        var parts = new List<Disc>();
        // Parts, holes and the given-back sources' cores by 32-px cell: the hole loops below
        // look each census source up in them, and a census holds 10⁵ sources on a dense
        // 24 MP frame (a scan of the lists per source grew with their product).
        var partIndex = new DiscIndex(w, h);
        var holeIndex = new DiscIndex(w, h);
        // Within half a FWHM of a source given back as a galaxy (above half its peak): its
        // core (the weaker peaks below).
        var cores = new DiscIndex(w, h);
        for (int k = 1; k <= regions.Count; k++)
            if (galaxy[k] && brightest[k] >= 0) cores.Add(new Disc(sources[brightest[k]].Star.X, sources[brightest[k]].Star.Y, 0.5 * sources[brightest[k]].Star.Fwhm, k));
        // The parts no region's judgement stands behind (soft sources, small regions), by region.
        var unjudged = new List<Disc>();
        // The parts reaching past their usual disc (index, source), each part's usual radius, and the sources parts are made round.
        var reached = new List<(int Part, int Source)>();
        var usualRadius = new List<double>();
        var partSources = new HashSet<int>();
        for (int i = 0; i < sources.Count; i++)
        {
            var t = sources[i];
            int k = RegionAt(regions, t.Star, w, h);
            // A soft source is a galaxy on its own, whatever else shares its region (NGC 4907's
            // small region is judged by a clipped star beside it), and its FWHM, measured on
            // 4×4 bins, is the galaxy's whole width, not a core's: its part reaches one FWHM.
            // In a galaxy field so is a resolved source twice a star's width (SmallRegionBroad):
            // NGC 4927 shares a small region with a brighter star.
            bool isSoft = i >= confident.Count;
            bool small = !isSoft && regions.Area[k] <= DiscArea(MinLargeRadius, t);
            if (k <= 0 || galaxy[k] || small && !(galaxyField && t.Width > SmallRegionBroad * locus.At(t.Star.Brightness)) || t.Star.Saturated && !ClippedGalaxy(i) || !Resolved(t) || Spiked(i)) continue;
            double radius = (isSoft ? 1 : GalaxyRadius) * t.Star.Fwhm + 3;
            // A clipped galaxy's FWHM is its clipped top's width, and 2 FWHM + 3 px of it
            // fell short of its light: the network's take reached past, a dark ring round
            // NGC 6039's core. Its part reaches as far as its quarter region does
            // (QuarterRegion), past the usual disc only where no other bright source is (guards, below).
            double quarterReach = t.Star.Saturated ? Math.Sqrt(Quarter(t.Star).Area / Math.PI) + 3 : 0;
            var part = new Disc(t.Star.X, t.Star.Y, Math.Max(radius, quarterReach), k);
            // Nor round a star with spikes: a part beside Leo's gave back its core. (Within the
            // usual disc: past it a reaching part's guards keep such a star removed.)
            var usual = part with { R = radius };
            if (bright.Any(j => j != i && usual.Contains((int)Math.Round(sources[j].Star.X), (int)Math.Round(sources[j].Star.Y)) && Spiked(j))) continue;
            if (quarterReach > radius) reached.Add((parts.Count, i));
            parts.Add(part);
            usualRadius.Add(radius);
            partSources.Add(i);
            partIndex.Add(part);
            cores.Add(new Disc(t.Star.X, t.Star.Y, 0.5 * t.Star.Fwhm, k));
            if (small || isSoft) unjudged.Add(part);
            protectedCount++;
        }
        if (protectedCount == 0) { progress.Advance(); return (0, false); }
        // Past its usual disc a reaching part spares every bright census source not given back
        // itself, as far as such a star's light goes (a clipped one's spikes and halo): the
        // stars on a galaxy's halo (a spiked star beside Fornax's NGC 1404, one on NGC 6047's)
        // came back inside the larger parts, and the spider test misses their spikes.
        var guards = new List<Disc>();
        if (reached.Count > 0)
        {
            // The candidates by 32-px cell, each judged once: a dense frame holds 10⁵ bright
            // sources, and a scan of them all for each reaching part grew with the product.
            const int Cell = 32;
            int columns = (w + Cell - 1) / Cell, rows = (h + Cell - 1) / Cell;
            var candidates = new List<int>?[columns * rows];
            double widestGuard = 0;
            foreach (int j in bright)
            {
                if (j >= confident.Count || partSources.Contains(j)) continue;
                var o = sources[j].Star;
                int kj = RegionAt(regions, o, w, h);
                if (kj > 0 && brightest[kj] == j && galaxy[kj] || !double.IsFinite(o.X) || !double.IsFinite(o.Y)) continue;
                widestGuard = Math.Max(widestGuard, FilamentRestore.ExclusionRadius(o));
                int cell = Math.Clamp((int)(o.Y / Cell), 0, rows - 1) * columns + Math.Clamp((int)(o.X / Cell), 0, columns - 1);
                (candidates[cell] ??= []).Add(j);
            }
            foreach (var (p, i) in reached)
            {
                var part = parts[p];
                double far = part.R + widestGuard;
                int c0 = Math.Clamp((int)Math.Floor((part.X - far) / Cell), 0, columns - 1), c1 = Math.Clamp((int)Math.Floor((part.X + far) / Cell), 0, columns - 1);
                int r0 = Math.Clamp((int)Math.Floor((part.Y - far) / Cell), 0, rows - 1), r1 = Math.Clamp((int)Math.Floor((part.Y + far) / Cell), 0, rows - 1);
                for (int row = r0; row <= r1; row++)
                    for (int col = c0; col <= c1; col++)
                        foreach (int j in candidates[row * columns + col] ?? [])
                        {
                            if (j == i) continue;
                            var o = sources[j].Star;
                            double r = FilamentRestore.ExclusionRadius(o), dx = o.X - part.X, dy = o.Y - part.Y;
                            if (dx * dx + dy * dy < (part.R + r) * (part.R + r)) guards.Add(new Disc(o.X, o.Y, r, part.Region));
                        }
            }
        }

        // Holes for the unresolved census sources whose centre is on a given-back pixel: stars
        // in front of a galaxy stay removed. (The soft sources are galaxies, however their
        // width compares with the locus.)
        var unjudgedOf = unjudged.ToLookup(d => d.Region);
        var holes = new List<Disc>();
        var holeStars = new List<ResidualStarCleanup.Source>();
        void AddHole(in ResidualStarCleanup.Source s)
        {
            var hole = new Disc(s.X, s.Y, ResidualStarCleanup.FillRadius(s), 0);
            holes.Add(hole);
            holeIndex.Add(hole);
            holeStars.Add(s);
        }
        for (int i = 0; i < confident.Count; i++)
        {
            var s = sources[i].Star;
            int k = RegionAt(regions, s, w, h);
            if (k <= 0 || brightest[k] == i && galaxy[k]) continue;
            int cx = Math.Clamp((int)Math.Round(s.X), 0, w - 1), cy = Math.Clamp((int)Math.Round(s.Y), 0, h - 1);
            // A resolved source is the galaxy's own; but in an unjudged part a clipped one under
            // twice a star's width is a clipped star, swollen: Coma's brightest beside a
            // galaxy (1.96 times) and a star beside Leo's PGC 36694 came back whole with the
            // galaxy round them. (Clipped nuclei of given-back galaxies, NGC 4872's 1.9 times,
            // sit in judged regions, where a hole left a dark disc; a compact clipped galaxy,
            // CompactClippedGalaxy, is no clipped star.)
            if (Resolved(sources[i])
                && !(s.Saturated && sources[i].Width <= SmallRegionBroad * locus.At(s.Brightness) && !ClippedGalaxy(i) && AnyContains(unjudgedOf[k], cx, cy))) continue;
            if (!galaxy[k] && !partIndex.AnyContains(cx, cy, k)) continue;
            // As with a weight plane filled hole by hole: a source whose centre an earlier
            // hole already cleared adds none of its own.
            if (holeIndex.AnyContains(cx, cy)) continue;
            AddHole(s);
        }
        // And for the census' weaker peaks (correlation under ConfidentCoefficient), which the
        // judgement above does not read: faint point sources inside given-back parts came back
        // with them, 1-2 px dots to the eye (Leo's residual stars 8.6 → 7.2 %, Coma's 6.8 →
        // 6.1 %, their galaxy light the same). Not where galaxies dominate the frame: the
        // Hubble deep field's galaxies lost 0.8 points of their light to such holes. Nor within
        // half a FWHM of a source given back: a weak peak there is the galaxy's core.
        bool galaxiesDominate = locus.Measured && ResolvedShare(confident, locus) >= GalaxyDominatedShare;
        for (int i = 0; i < (galaxiesDominate ? 0 : census.Count); i++)
        {
            if ((i & 4095) == 4095) progress.ThrowIfCancelled();
            var t = census[i];
            var s = t.Star;
            if (s.Coefficient >= ConfidentCoefficient || s.Saturated || Resolved(t)) continue;
            int k = RegionAt(regions, s, w, h);
            // (A region no confident source judged is given back whole as an edge-on or diffuse
            // galaxy; a weak peak in it is taken too, which would dent such a galaxy's core
            // where one shows: kept so, as a faint star alone makes such a region, and sparing
            // those larger than the peak's own light left most of Leo's dots, 7.2 → 8.1 %.)
            if (k <= 0) continue;
            int cx = Math.Clamp((int)Math.Round(s.X), 0, w - 1), cy = Math.Clamp((int)Math.Round(s.Y), 0, h - 1);
            if (!galaxy[k] && !partIndex.AnyContains(cx, cy, k) || cores.AnyContains(cx, cy, k) || holeIndex.AnyContains(cx, cy)) continue;
            AddHole(s);
        }
        progress.ThrowIfCancelled();
        var floors = PartFloors(parts, layers, colours, w, h);

        // Feather: a σ = 1 blur, doubled and capped at 1, keeps the inside whole and carries
        // the galaxy's faint skirt a pixel or two past the 3σ isophote, so no edge shows. Band
        // by band, each with the blur's reach of rows above and below, so the blur sees what
        // a whole weight plane would give it.
        int reach = PlaneFilters.GaussianRadius(FeatherSigma);
        int bandHeight = Math.Min(h, FeatherBand);
        int bands = (h + bandHeight - 1) / bandHeight;
        // One band buffer per worker: per-task buffers multiplied as the pool added threads
        // (100 MB at 2048 × 16384).
        ParallelWorkers.For(bands, () => (Weight: new float[(long)(bandHeight + 2 * reach) * w], Labels: new int[w],
            Floor: parts.Count > 0 ? new float[colours * w] : [], Covered: parts.Count > 0 ? new bool[w] : [], Near: new List<int>()), (b, mine) =>
        {
            var (weight, labels, floor, covered, near) = mine;
            int y0 = b * bandHeight, y1 = Math.Min(h, y0 + bandHeight);
            int a0 = Math.Max(0, y0 - reach), a1 = Math.Min(h, y1 + reach), rows = a1 - a0;
            var band = weight.AsSpan(0, rows * w);
            band.Clear();
            for (int y = a0; y < a1; y++)
            {
                regions.FillRow(y, labels);
                var wr = band.Slice((y - a0) * w, w);
                for (int x = 0; x < w; x++) if (galaxy[labels[x]]) wr[x] = 1f;
            }
            // The reaching parts whole, less their guards; then every part's usual disc,
            // which no guard takes from.
            foreach (var (p, _) in reached) Paint(band, parts[p]);
            foreach (var g in guards)
                for (int y = g.Top(a0); y <= g.Bottom(a1); y++)
                    for (int x = g.Left; x <= g.Right(w); x++)
                        if (g.Contains(x, y) && regions.LabelAt(x, y) == g.Region && !galaxy[g.Region]) band[(y - a0) * w + x] = 0f;
            for (int i = 0; i < parts.Count; i++) Paint(band, parts[i] with { R = usualRadius[i] });
            void Paint(Span<float> band, Disc d)
            {
                for (int y = d.Top(a0); y <= d.Bottom(a1); y++)
                    for (int x = d.Left; x <= d.Right(w); x++)
                        if (d.Contains(x, y) && regions.LabelAt(x, y) == d.Region) band[(y - a0) * w + x] = 1f;
            }
            foreach (var d in holes)
                for (int y = d.Top(a0); y <= d.Bottom(a1); y++)
                    for (int x = d.Left; x <= d.Right(w); x++)
                        if (d.Contains(x, y)) band[(y - a0) * w + x] = 0f;
            PlaneFilters.GaussianBlurInPlace(weight, 0, w, rows, FeatherSigma);
            // Around the parts, the star layer's own level there (a halo's, say) stays
            // removed: only what stands above it is given back (PartFloors).
            near.Clear();
            for (int i = 0; i < parts.Count; i++)
                if (parts[i].Y + parts[i].R + reach + 1 >= y0 && parts[i].Y - parts[i].R - reach - 1 < y1) near.Add(i);
            for (int y = y0; y < y1; y++)
            {
                bool anyFloor = FillFloorRow(parts, near, floors, galaxy, regions, floor, covered, colours, w, y, reach);
                var wr = weight.AsSpan((y - a0) * w, w);
                TensorPrimitives.Multiply(wr, -2f, wr);
                TensorPrimitives.Add(wr, 1f, wr);
                TensorPrimitives.Max(wr, 0f, wr); // 1 − min(1, 2·blur): the share of the star layer kept
                for (int c = 0; c < colours; c++)
                {
                    var l = layers.AsSpan(c * n + y * w, w);
                    if (!anyFloor) { TensorPrimitives.Multiply(l, wr, l); continue; }
                    // kept·layer + given·clamp(layer, 0, floor): with a floor of 0, kept·layer.
                    var f = floor.AsSpan(c * w, w);
                    for (int x = 0; x < w; x++) l[x] = wr[x] * l[x] + (1 - wr[x]) * Math.Clamp(l[x], 0f, f[x]);
                }
            }
        });
        // The stars in front of a galaxy were filled (or removed by the network) when the
        // galaxy was gone too: their discs are the dark sky's level, dark holes in the
        // galaxy now given back round them (Coma's NGC 4927). Filled again from what stands
        // round them now, where that is brighter: a galaxy's nucleus the network kept, which
        // is unresolved too, stays as it is.
        ResidualStarCleanup.RefillWhereBrighter(holeStars, data, domain, layers, colours, w, h, progress);
        progress.Advance();
        return (protectedCount, false);
    }

    /// <summary>
    /// How many pixels of a clipped source's top are clipped: those 4-connected to its
    /// brightest pixel within a pixel of its centre, in a box of ±4 px, at ≥ 0.995 of that
    /// pixel's luminance (model domain). At most 81; int.MaxValue where the top is not finite.
    /// </summary>
    private static int ClippedPixels(in ResidualStarCleanup.Source s, float[] data, ModelDomain domain, int colours, int w, int h)
    {
        const int R = 4, Side = 2 * R + 1;
        Span<float> lum = stackalloc float[Side * Side];
        int start = TopOfBox(s, data, domain, colours, w, h, R, lum, out int bw, out int bh);
        // Unmeasurable is never barely clipped.
        if (start < 0 || !float.IsFinite(lum[start])) return int.MaxValue;
        Span<bool> seen = stackalloc bool[Side * Side];
        Span<int> stack = stackalloc int[Side * Side];
        return Flood(lum[..(bw * bh)], bw, bh, start, 0.995f * lum[start], seen, stack);
    }

    /// <summary>
    /// The luminance (model domain) of the box of ±<paramref name="reach"/> px round a source,
    /// cut by the frame, into <paramref name="lum"/> (<paramref name="bw"/> × <paramref name="bh"/>,
    /// row by row), and the index in it of its brightest pixel within a pixel of the source's centre.
    /// </summary>
    private static int TopOfBox(in ResidualStarCleanup.Source s, float[] data, ModelDomain domain, int colours, int w, int h, int reach, Span<float> lum, out int bw, out int bh)
    {
        int cx = Math.Clamp((int)Math.Round(s.X), 0, w - 1), cy = Math.Clamp((int)Math.Round(s.Y), 0, h - 1), n = w * h;
        int x0 = Math.Max(0, cx - reach), x1 = Math.Min(w - 1, cx + reach), y0 = Math.Max(0, cy - reach), y1 = Math.Min(h - 1, cy + reach);
        bw = x1 - x0 + 1; bh = y1 - y0 + 1;
        Span<float> mapped = stackalloc float[2 * reach + 1];
        lum.Clear();
        for (int c = 0; c < colours; c++)
            for (int y = y0; y <= y1; y++)
            {
                domain.Map(data.AsSpan(c * n + y * w + x0, bw), mapped[..bw]);
                for (int x = 0; x < bw; x++) lum[(y - y0) * bw + x] += mapped[x] / colours;
            }
        int start = -1;
        for (int y = Math.Max(y0, cy - 1); y <= Math.Min(y1, cy + 1); y++)
            for (int x = Math.Max(x0, cx - 1); x <= Math.Min(x1, cx + 1); x++)
            {
                int i = (y - y0) * bw + x - x0;
                if (start < 0 || lum[i] > lum[start]) start = i;
            }
        return start;
    }

    /// <summary>
    /// How smooth a clipped source's light is: the pixels of its box (±<see cref="SmoothReach"/>)
    /// at or above a quarter of the way from the sky (the median of the box's border) to its
    /// top, 4-connected to the top, and the share of them an opening by a 3×3 square keeps.
    /// A galaxy's light falls smoothly every way (about 1); a star's thin spikes and ragged
    /// halo, a pixel or two wide, do not survive the opening (under 0.5). Also the region's
    /// size and its clipped top's (the pixels at 0.995 of the top, 4-connected to it, in the
    /// same box), and how far the region's centroid lies from its top in units of the
    /// region's equivalent radius (√(area/π)): near 0 for light that falls off round its
    /// top, as a galaxy's round its core; large where the region runs into a neighbour's
    /// light. All 0 where unmeasurable.
    /// </summary>
    internal static (double Smooth, int Area, int Clipped, double Offset) QuarterRegion(in ResidualStarCleanup.Source s, float[] data, ModelDomain domain, int colours, int w, int h)
    {
        const int R = SmoothReach, Side = 2 * R + 1;
        Span<float> lum = stackalloc float[Side * Side];
        int start = TopOfBox(s, data, domain, colours, w, h, R, lum, out int bw, out int bh);
        if (bw < 3 || bh < 3) return (0, 0, 0, 0);
        Span<float> border = stackalloc float[4 * Side];
        int nb = 0;
        for (int x = 0; x < bw; x++) { border[nb++] = lum[x]; border[nb++] = lum[(bh - 1) * bw + x]; }
        for (int y = 1; y < bh - 1; y++) { border[nb++] = lum[y * bw]; border[nb++] = lum[y * bw + bw - 1]; }
        float sky = RobustStatistics.Median(border[..nb]);
        if (start < 0 || !float.IsFinite(lum[start]) || !float.IsFinite(sky) || !(lum[start] > sky)) return (0, 0, 0, 0);
        float level = sky + 0.25f * (lum[start] - sky);
        // The quarter-level region connected to the top, and its clipped top.
        Span<bool> inside = stackalloc bool[Side * Side];
        Span<int> stack = stackalloc int[Side * Side];
        int count = Flood(lum[..(bw * bh)], bw, bh, start, level, inside, stack);
        Span<bool> clippedTop = stackalloc bool[Side * Side];
        int clipped = Flood(lum[..(bw * bh)], bw, bh, start, 0.995f * lum[start], clippedTop, stack);
        // Opening: the pixels whose whole 3×3 square is inside (erosion), grown back by 3×3.
        Span<bool> core = stackalloc bool[Side * Side];
        core.Clear();
        for (int y = 1; y < bh - 1; y++)
            for (int x = 1; x < bw - 1; x++)
            {
                bool all = true;
                for (int dy = -1; dy <= 1 && all; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                        if (!inside[(y + dy) * bw + x + dx]) { all = false; break; }
                core[y * bw + x] = all;
            }
        int kept = 0;
        double sx = 0, sy = 0;
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++)
            {
                if (!inside[y * bw + x]) continue;
                sx += x; sy += y;
                bool near = false;
                for (int dy = Math.Max(0, y - 1); dy <= Math.Min(bh - 1, y + 1) && !near; dy++)
                    for (int dx = Math.Max(0, x - 1); dx <= Math.Min(bw - 1, x + 1); dx++)
                        if (core[dy * bw + dx]) { near = true; break; }
                if (near) kept++;
            }
        if (count == 0) return (0, 0, clipped, 0);
        double offset = Math.Sqrt(Math.Pow(sx / count - start % bw, 2) + Math.Pow(sy / count - start / bw, 2)) / Math.Sqrt(count / Math.PI);
        return ((double)kept / count, count, clipped, offset);
    }

    /// <summary>Marks the pixels at or above <paramref name="level"/> 4-connected to <paramref name="start"/>; returns how many.</summary>
    private static int Flood(ReadOnlySpan<float> lum, int bw, int bh, int start, float level, Span<bool> inside, Span<int> stack)
    {
        inside[..(bw * bh)].Clear();
        int top = 0, count = 0;
        stack[top++] = start; inside[start] = true;
        while (top > 0)
        {
            int i = stack[--top], x = i % bw, y = i / bw;
            count++;
            if (x > 0) Visit(i - 1, inside, stack, ref top, lum, level);
            if (x < bw - 1) Visit(i + 1, inside, stack, ref top, lum, level);
            if (y > 0) Visit(i - bw, inside, stack, ref top, lum, level);
            if (y < bh - 1) Visit(i + bw, inside, stack, ref top, lum, level);
        }
        return count;

        static void Visit(int j, Span<bool> inside, Span<int> stack, ref int top, ReadOnlySpan<float> lum, float level)
        {
            if (inside[j] || !(lum[j] >= level)) return;
            inside[j] = true; stack[top++] = j;
        }
    }

    /// <summary>
    /// Width in pixels of the ring just outside each part's disc where <see cref="PartFloors"/>
    /// reads the star layer's level, and the number of arcs it reads it in.
    /// </summary>
    private const int FloorRing = 3, FloorArcs = 16;

    /// <summary>
    /// The star layer's level round each part (a disc round a resolved source inside a large
    /// region): per part and colour, its median on each of <see cref="FloorArcs"/> arcs of the
    /// ring just outside the disc. The large regions that parts are cut from are often a
    /// bright star's halo with galaxies in it (Coma): zeroing the layer over a disc gave the
    /// halo back as a bright disc, a "bubble", wherever the network had removed it. A halo is
    /// smooth across a disc, so the ring says what lies under the galaxy (interpolated in
    /// <see cref="FillFloorRow"/>); a median per arc, so that stars on the ring (where the layer
    /// is high) do not lift it. A plane through the ring's quarters left the halo's steep side
    /// as a bright crescent.
    /// </summary>
    private static float[] PartFloors(List<Disc> parts, float[] layers, int colours, int w, int h)
    {
        var floors = new float[parts.Count * colours * FloorArcs];
        if (parts.Count == 0) return floors;
        int n = w * h;
        var arcs = new List<float>[FloorArcs];
        for (int a = 0; a < FloorArcs; a++) arcs[a] = [];
        var median = new float[FloorArcs];
        for (int i = 0; i < parts.Count; i++)
        {
            var d = parts[i];
            double r0 = d.R + 1, r1 = d.R + 1 + FloorRing;
            int top = Math.Max(0, (int)Math.Floor(d.Y - r1)), bottom = Math.Min(h - 1, (int)Math.Ceiling(d.Y + r1));
            int left = Math.Max(0, (int)Math.Floor(d.X - r1)), right = Math.Min(w - 1, (int)Math.Ceiling(d.X + r1));
            for (int c = 0; c < colours; c++)
            {
                foreach (var list in arcs) list.Clear();
                for (int y = top; y <= bottom; y++)
                    for (int x = left; x <= right; x++)
                    {
                        double dx = x - d.X, dy = y - d.Y, dd = dx * dx + dy * dy;
                        if (dd <= r0 * r0 || dd > r1 * r1) continue;
                        arcs[ArcOf(dx, dy)].Add(layers[c * n + y * w + x]);
                    }
                // An arc cut off by the frame's edge takes its nearest neighbour's level.
                for (int a = 0; a < FloorArcs; a++) median[a] = arcs[a].Count > 0 ? RobustStatistics.Median(CollectionsMarshal.AsSpan(arcs[a])) : float.NaN;
                for (int a = 0; a < FloorArcs; a++)
                {
                    float v = median[a];
                    for (int step = 1; float.IsNaN(v) && step <= FloorArcs / 2; step++)
                    {
                        v = median[(a + step) % FloorArcs];
                        if (float.IsNaN(v)) v = median[(a - step + FloorArcs) % FloorArcs];
                    }
                    floors[(i * colours + c) * FloorArcs + a] = float.IsNaN(v) ? 0f : v;
                }
            }
        }
        return floors;
    }

    /// <summary>The direction of each arc's middle (arc a spans angles from −π + a·2π/<see cref="FloorArcs"/>, as <see cref="ArcOf"/>).</summary>
    private static readonly double[] ArcCos = Enumerable.Range(0, FloorArcs).Select(a => Math.Cos((a + 0.5) / FloorArcs * 2 * Math.PI - Math.PI)).ToArray();
    private static readonly double[] ArcSin = Enumerable.Range(0, FloorArcs).Select(a => Math.Sin((a + 0.5) / FloorArcs * 2 * Math.PI - Math.PI)).ToArray();

    private static int ArcOf(double dx, double dy) =>
        Math.Clamp((int)((Math.Atan2(dy, dx) + Math.PI) / (2 * Math.PI) * FloorArcs), 0, FloorArcs - 1);

    /// <summary>
    /// The floor under the given-back layer in row <paramref name="y"/>, per colour (one row
    /// each): within each part's disc and the feather's reach beyond, its arcs' levels
    /// weighted by inverse squared distance (each arc's level stands at its middle, on the
    /// ring), so the floor meets the ring on every side; where discs overlap, the lowest of
    /// theirs: a part on a galaxy's slope reads its ring on the galaxy, where the network's
    /// layer holds the galaxy's own light, and where its floor won (the nearest part's, by
    /// radius, was taken) a peak on NGC 1380's slope (Fornax), inside its clipped core's part,
    /// left a dark disc 8 px across. 0 elsewhere and on whole galaxy regions. Only the parts
    /// listed in <paramref name="near"/> are looked at. Returns whether any floor above 0 was met
    /// in the row.
    /// </summary>
    private static bool FillFloorRow(List<Disc> parts, List<int> near, float[] floors, bool[] galaxy, SourceRegions regions, float[] floor, bool[] covered, int colours, int w, int y, int reach)
    {
        if (near.Count == 0) return false;
        Array.Clear(floor);
        Array.Clear(covered);
        Span<double> weights = stackalloc double[FloorArcs];
        bool any = false;
        foreach (int i in near)
        {
            var d = parts[i];
            double wide = d.R + reach + 1, dy = y - d.Y;
            if (Math.Abs(dy) > wide) continue;
            double half = Math.Sqrt(wide * wide - dy * dy);
            double ring = d.R + 1 + FloorRing / 2.0;
            for (int x = Math.Max(0, (int)Math.Ceiling(d.X - half)); x <= Math.Min(w - 1, (int)Math.Floor(d.X + half)); x++)
            {
                double dx = x - d.X;
                if (galaxy[regions.LabelAt(x, y)]) continue;
                double total = 0;
                for (int a = 0; a < FloorArcs; a++)
                {
                    double ex = ring * ArcCos[a] - dx, ey = ring * ArcSin[a] - dy;
                    weights[a] = 1 / (ex * ex + ey * ey + 0.25);
                    total += weights[a];
                }
                for (int c = 0; c < colours; c++)
                {
                    int at = (i * colours + c) * FloorArcs;
                    double f = 0;
                    for (int a = 0; a < FloorArcs; a++) f += weights[a] * floors[at + a];
                    float level = Math.Max(0f, (float)(f / total));
                    floor[c * w + x] = covered[x] ? Math.Min(floor[c * w + x], level) : level;
                    any |= level > 0; // a floor lowered to 0 after is harmless: it gives the plain product
                }
                covered[x] = true;
            }
        }
        return any;
    }

    private const float FeatherSigma = 1f;
    /// <summary>Rows of the feathered weight held at a time per thread.</summary>
    private const int FeatherBand = 256;

    /// <summary>
    /// Whether a disc covers (x, y). A method, not a lambda: one capturing the pixel made the
    /// compiler allocate a closure for every source, reached or not.
    /// </summary>
    private static bool AnyContains(IEnumerable<Disc> discs, int x, int y)
    {
        foreach (var d in discs) if (d.Contains(x, y)) return true;
        return false;
    }

    /// <summary>A disc of pixels around a source; <see cref="Region"/> is the region it gives back (0 for a hole).</summary>
    private readonly record struct Disc(double X, double Y, double R, int Region)
    {
        public bool Contains(int x, int y) => (x - X) * (x - X) + (y - Y) * (y - Y) <= R * R;

        /// <summary>The disc's pixel rows and columns, clipped to rows [y0, y1) and columns [0, w).</summary>
        public int Top(int y0) => Math.Max(y0, (int)Math.Floor(Y - R));
        public int Bottom(int y1) => Math.Min(y1 - 1, (int)Math.Ceiling(Y + R));
        public int Left => Math.Max(0, (int)Math.Floor(X - R));
        public int Right(int w) => Math.Min(w - 1, (int)Math.Ceiling(X + R));
    }

    /// <summary>
    /// Discs by the 32-px cells they overlap, for asking whether any covers a pixel
    /// (optionally only those of one region) without scanning them all.
    /// </summary>
    private sealed class DiscIndex(int w, int h)
    {
        private const int Cell = 32;
        private readonly int _columns = (w + Cell - 1) / Cell;
        private readonly List<Disc>?[] _cells = new List<Disc>?[(long)((w + Cell - 1) / Cell) * ((h + Cell - 1) / Cell)];

        public void Add(Disc d)
        {
            int rows = _cells.Length / _columns;
            int c0 = Math.Clamp((int)Math.Floor((d.X - d.R) / Cell), 0, _columns - 1), c1 = Math.Clamp((int)Math.Floor((d.X + d.R) / Cell), 0, _columns - 1);
            int r0 = Math.Clamp((int)Math.Floor((d.Y - d.R) / Cell), 0, rows - 1), r1 = Math.Clamp((int)Math.Floor((d.Y + d.R) / Cell), 0, rows - 1);
            for (int r = r0; r <= r1; r++)
                for (int c = c0; c <= c1; c++) (_cells[r * _columns + c] ??= []).Add(d);
        }

        /// <summary>Whether a disc covers (x, y), of <paramref name="region"/> only where it is given (≥ 0).</summary>
        public bool AnyContains(int x, int y, int region = -1)
        {
            var cell = _cells[y / Cell * _columns + x / Cell];
            if (cell == null) return false;
            foreach (var d in cell)
                if ((region < 0 || d.Region == region) && d.Contains(x, y)) return true;
            return false;
        }
    }

    /// <summary>The stellar locus of a census, from its confident sources (as <see cref="Apply"/> judges by).</summary>
    public static StellarLocus LocusOf(IReadOnlyList<ResidualStarCleanup.Target> census) => StellarLocus.Estimate(new Confident(census));

    /// <summary>
    /// Whether resolved sources carry at least <see cref="GalaxyFieldShare"/> of the census' light:
    /// a frame whose locus may be theirs, which the fills then do not judge by. Not
    /// <see cref="IsGalaxyField"/>: round sources swollen past the locus (a star cluster's
    /// bright stars) make it as doubtful as galaxies do.
    /// </summary>
    public static bool ResolvedSourcesDominate(IReadOnlyList<ResidualStarCleanup.Target> census, StellarLocus locus) =>
        locus.Measured && ResolvedShare(new Confident(census), locus) >= GalaxyFieldShare;

    /// <summary>The share of the unsaturated sources' flux that is in resolved sources: how much of the frame is galaxies.</summary>
    public static double ResolvedShare(IReadOnlyList<ResidualStarCleanup.Target> sources, StellarLocus locus)
    {
        double all = 0, resolved = 0;
        foreach (var t in sources)
        {
            if (t.Star.Saturated || !(t.Star.Flux > 0)) continue;
            all += t.Star.Flux;
            if (InStarField.IsResolved(t, locus)) resolved += t.Star.Flux;
        }
        return all > 0 ? resolved / all : 0;
    }

    /// <summary>Whether <see cref="GalaxyMode.Auto"/> acts on the frame of these (confident) sources: see <see cref="GalaxyFieldShare"/>, <see cref="GalaxyFieldElongatedShare"/> and <see cref="GalaxyFieldSkySpread"/>.</summary>
    internal static bool IsGalaxyField(IReadOnlyList<ResidualStarCleanup.Target> confident, StellarLocus locus) =>
        locus.Measured && ResolvedShare(confident, locus) >= GalaxyFieldShare && ElongatedShare(confident, locus) >= GalaxyFieldElongatedShare
        && SkySpread(confident) <= GalaxyFieldSkySpread;

    /// <summary>
    /// Whether the frame, on a level sky, holds enough clipped sources that read as galaxies
    /// by their profile (<see cref="ClusterSmoothClipped"/>): a hard-stretched galaxy cluster.
    /// </summary>
    internal static bool IsClusterOfClippedGalaxies(IReadOnlyList<ResidualStarCleanup.Target> confident, StellarLocus locus, SpiderOf spider, QuarterOf quarter,
        ProgressReporter? progress = null)
    {
        if (!locus.Measured || SkySpread(confident) > GalaxyFieldSkySpread) return false;
        int clipped = 0;
        foreach (var t in confident) if (t.Star.Saturated) clipped++;
        // Counted only until the answer is known: a hard-stretched frame has thousands of clipped sources.
        int needed = Math.Max(ClusterSmoothClipped, (int)Math.Ceiling(ClusterSmoothClippedShare * clipped)), galaxies = 0, looked = 0;
        if (clipped < needed) return false;
        foreach (var t in confident)
        {
            if (!t.Star.Saturated) continue;
            if ((++looked & 63) == 0) progress?.ThrowIfCancelled();
            if (SmoothClippedGalaxy(t, locus, spider, quarter) && ++galaxies >= needed) return true;
        }
        return false;
    }

    /// <summary>A spider reading of a source (<see cref="DiffractionSpikes.ReadSpider"/>, or one made already).</summary>
    internal delegate DiffractionSpikes.SpiderReading SpiderOf(in ResidualStarCleanup.Source s);

    /// <summary>A source's quarter region (<see cref="QuarterRegion"/>, or one read already).</summary>
    internal delegate (double Smooth, int Area, int Clipped, double Offset) QuarterOf(in ResidualStarCleanup.Source s);

    /// <summary>
    /// Whether a clipped source reads as a galaxy by its profile: more than
    /// <see cref="SmoothClippedBroad"/> times a star's width, its spider judged (a star too
    /// near the frame's edge for the spider test may have spikes: Perseus' brightest, in a
    /// corner, came back whole) and without arms even to the loose test, its light smooth far
    /// past its clipped top (<see cref="SmoothClippedShare"/>, <see cref="QuarterExtent"/>).
    /// </summary>
    internal static bool SmoothClippedGalaxy(in ResidualStarCleanup.Target t, StellarLocus locus, SpiderOf spider, QuarterOf quarter)
    {
        var s = t.Star;
        if (!s.Saturated || t.Width <= SmoothClippedBroad * locus.At(s.Brightness)) return false;
        var reading = spider(s);
        if (!reading.Judged || reading.Angle(LooseArmSigma, LooseArmRings) is not null) return false;
        var (smooth, area, clipped, _) = quarter(s);
        return smooth >= SmoothClippedShare && area >= QuarterExtent * clipped;
    }

    /// <summary>
    /// Whether a clipped source, in a galaxy field, reads as a compact galaxy by its profile:
    /// more than <see cref="CompactClippedBroad"/> times a star's width, more than barely
    /// clipped, its spider judged, its light smooth (<see cref="SmoothClippedShare"/>), reaching
    /// <see cref="CompactQuarterExtent"/> times its clipped pixels and centred on its top
    /// (<see cref="CentredQuarter"/>). (Its spikes are the caller's to test.)
    /// </summary>
    internal static bool CompactClippedGalaxy(in ResidualStarCleanup.Target t, StellarLocus locus, SpiderOf spider, QuarterOf quarter)
    {
        var s = t.Star;
        if (!s.Saturated || t.Width <= CompactClippedBroad * locus.At(s.Brightness) || !spider(s).Judged) return false;
        var (smooth, area, clipped, offset) = quarter(s);
        return clipped > BarelyClipped && smooth >= SmoothClippedShare && area >= CompactQuarterExtent * clipped && offset <= CentredQuarter;
    }

    /// <summary>The share of the resolved sources' flux (as <see cref="ResolvedShare"/>) in elongated ones (roundness above <see cref="WidthTest.Elongated"/> of the star-field test).</summary>
    public static double ElongatedShare(IReadOnlyList<ResidualStarCleanup.Target> sources, StellarLocus locus)
    {
        double resolved = 0, elongated = 0;
        foreach (var t in sources)
        {
            if (t.Star.Saturated || !(t.Star.Flux > 0) || !InStarField.IsResolved(t, locus)) continue;
            resolved += t.Star.Flux;
            if (t.Star.Roundness > InStarField.Elongated) elongated += t.Star.Flux;
        }
        return resolved > 0 ? elongated / resolved : 0;
    }

    /// <summary>
    /// The median and upper quartile of the roundness of the unclipped sources at least
    /// <see cref="SpikeCheckBrightness"/> bright, mostly stars even in a galaxy cluster: how
    /// round this frame's stars are (median 0.06-0.11 on most pictures, 0.24 on a DSS plate);
    /// 0 with fewer than <see cref="StarRoundnessSources"/> of them.
    /// </summary>
    public static (double Median, double UpperQuartile) StarRoundness(IReadOnlyList<ResidualStarCleanup.Target> sources)
    {
        var r = new List<float>();
        foreach (var t in sources) if (!t.Star.Saturated && t.Star.Brightness >= SpikeCheckBrightness && float.IsFinite(t.Star.Roundness)) r.Add(t.Star.Roundness);
        // Too few to tell the frame's stars from its galaxies (a 256² crop): none.
        if (r.Count < StarRoundnessSources) return (0, 0);
        r.Sort();
        return (r[(r.Count - 1) / 2], r[(int)(0.75 * (r.Count - 1))]);
    }

    /// <summary>The spread of the sky under the sources (10th to 90th percentile of their measured backgrounds); 0 when too few were measured to tell.</summary>
    public static double SkySpread(IReadOnlyList<ResidualStarCleanup.Target> sources)
    {
        var sky = new List<float>(sources.Count);
        foreach (var t in sources) if (float.IsFinite(t.Star.Background)) sky.Add(t.Star.Background);
        if (sky.Count < 20) return 0;
        sky.Sort();
        return sky[(int)(0.9 * (sky.Count - 1))] - sky[(int)(0.1 * (sky.Count - 1))];
    }

    /// <summary>By brightness, ties (common in clipped 8-bit data) by position, so the catalogue's order does not matter.</summary>
    private static bool Brighter(in ResidualStarCleanup.Source a, in ResidualStarCleanup.Source b) =>
        a.Brightness != b.Brightness ? a.Brightness > b.Brightness : a.Y != b.Y ? a.Y < b.Y : a.X < b.X;

    /// <summary>The frame's PSF FWHM in pixels: the median over the sources of the PSF where each stands.</summary>
    private static double FramePsf(IReadOnlyList<ResidualStarCleanup.Target> sources)
    {
        var psf = sources.Select(t => t.Star.Fwhm / t.Width).Where(double.IsFinite).Order().ToArray();
        return psf.Length > 0 ? psf[psf.Length / 2] : FieldPsf.DefaultFwhm;
    }

    /// <summary>The area of a disc of <paramref name="radius"/> PSF FWHM, at the PSF where the source stands.</summary>
    private static double DiscArea(double radius, ResidualStarCleanup.Target s)
    {
        double r = radius * s.Star.Fwhm / s.Width;
        return Math.PI * r * r;
    }

    private static int RegionAt(SourceRegions regions, in ResidualStarCleanup.Source s, int w, int h)
    {
        int x = Math.Clamp((int)Math.Round(s.X), 0, w - 1), y = Math.Clamp((int)Math.Round(s.Y), 0, h - 1);
        return regions.LabelAt(x, y);
    }

    /// <summary>
    /// The census' confident sources (correlation ≥ <see cref="ConfidentCoefficient"/> or
    /// clipped), as indices into it: a copy of a crowded field's census took 50 MB. Other
    /// sources may follow them (<see cref="With"/>).
    /// </summary>
    private sealed class Confident : IReadOnlyList<ResidualStarCleanup.Target>
    {
        private readonly IReadOnlyList<ResidualStarCleanup.Target> _census;
        private readonly int[] _index;
        private readonly ResidualStarCleanup.Target[] _extra;

        public Confident(IReadOnlyList<ResidualStarCleanup.Target> census) : this(census, Enumerable.Range(0, census.Count)
            .Where(i => census[i].Star.Coefficient >= ConfidentCoefficient || census[i].Star.Saturated).ToArray(), []) { }

        private Confident(IReadOnlyList<ResidualStarCleanup.Target> census, int[] index, ResidualStarCleanup.Target[] extra)
        {
            _census = census;
            _index = index;
            _extra = extra;
        }

        /// <summary>The same sources with <paramref name="extra"/> after them (the index list is shared, not copied).</summary>
        public Confident With(ResidualStarCleanup.Target[] extra) => new(_census, _index, extra);

        public int Count => _index.Length + _extra.Length;
        public ResidualStarCleanup.Target this[int i] => i < _index.Length ? _census[_index[i]] : _extra[i - _index.Length];

        public IEnumerator<ResidualStarCleanup.Target> GetEnumerator()
        {
            foreach (int i in _index) yield return _census[i];
            foreach (var t in _extra) yield return t;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
