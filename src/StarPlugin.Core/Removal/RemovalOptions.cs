namespace StarPlugin.Removal;

/// <summary>Whether to stretch linear data into the model's domain.</summary>
public enum StretchMode { Auto = 0, Always = 1, Never = 2 }

/// <summary>
/// When to give back sources broader than the frame's stars (see GalaxyProtection).
/// Auto: only in galaxy fields, frames where much of the sources' light is in resolved
/// sources, or, on a level sky, where a dozen clipped sources are smooth far past their
/// tops (a hard-stretched galaxy cluster); there a broad source is most likely a galaxy,
/// in a star field most likely a blend of stars.
/// </summary>
public enum GalaxyMode { Auto = 0, Always = 1, Never = 2 }

/// <summary>How the star layer recombines with the starless image.</summary>
public enum StarLayerMode
{
    /// <summary>starless + stars = original (exact).</summary>
    Add = 0,
    /// <summary>screen(starless, stars) = 1 − (1 − starless)(1 − stars) = original, for data in [0,1].</summary>
    Screen = 1,
}

/// <summary>Which images a removal call produces; each costs one image-sized buffer.</summary>
[Flags]
public enum RemovalOutputs { Starless = 1, Stars = 2, Mask = 4, All = Starless | Stars | Mask }

public sealed record RemovalOptions
{
    public StretchMode Stretch { get; init; } = StretchMode.Auto;
    public TilingOptions Tiling { get; init; } = new();
    public StarLayerMode StarLayer { get; init; } = StarLayerMode.Add;
    /// <summary>Fill stars the network left behind (see ResidualStarCleanup) and give back the diffuse glow it took (DiffuseLightRestore). On by default.</summary>
    public bool Cleanup { get; init; } = true;
    /// <summary>Give back sources broader than the field's stars: galaxies (see GalaxyProtection). Auto by default: in galaxy fields only.</summary>
    public GalaxyMode KeepGalaxies { get; init; } = GalaxyMode.Auto;
    /// <summary>
    /// The outputs wanted: only these are allocated and returned (the others are null in
    /// the result), so peak memory is the input plus one image per output plus the tile
    /// buffers. All by default.
    /// </summary>
    public RemovalOutputs Outputs { get; init; } = RemovalOutputs.All;
    /// <summary>
    /// Most sources the star census keeps for the cleanup and keep-galaxies stages, the
    /// highest S/N (0: no limit), and, at <see cref="RunsPerSource"/> a source, the most
    /// runs the keep-galaxies stage segments. These are the parts of a removal's memory
    /// that grow with what the image holds rather than with its size (about 180 bytes a
    /// source at the census' peak, 72 kept to the last stage; 12 bytes a run): the limit
    /// bounds them. Past it the weakest sources are left to the network alone
    /// (<see cref="RemovalResult.CensusLimited"/>) and the keep-galaxies stage gives nothing
    /// back (<see cref="RemovalResult.GalaxyStageLimited"/>).
    /// </summary>
    public int MaxSources { get; init; } = DefaultMaxSources;
    /// <summary>
    /// Half a million: the census of the most crowded real-dev picture (NGC 6752) holds 7 700
    /// sources a megapixel, 190 000 at 24 MP. About 90 MB at the census' peak, 85 MB of runs.
    /// </summary>
    public const int DefaultMaxSources = 500_000;
    /// <summary>Runs the keep-galaxies stage may segment per allowed source: a source above 3σ spans a few rows, and the diffuse ones the census does not list need room too.</summary>
    public const int RunsPerSource = 8;
    /// <summary>
    /// Bin an oversampled picture k × k before removing its stars, and bring the star layer
    /// back to full resolution (see Oversampling): 1 (the default) never bins, 0 chooses k
    /// from the frame's PSF (stars of 2.7 px and wider are binned), 2 to
    /// <see cref="MaxBinning"/> bin by that factor. For star fields whose stars are wider
    /// than the network knows; not the default, because binned the pipeline also takes
    /// fine nebula structure for stars (the Saturn nebula's ansae, NGC 6210's loops).
    /// </summary>
    public int Binning { get; init; } = 1;
    /// <summary>The largest factor <see cref="Binning"/> takes.</summary>
    public const int MaxBinning = 8;
}

/// <summary>
/// Outputs of star removal. Alpha (if any) is copied untouched into every output.
/// An output not asked for in <see cref="RemovalOptions.Outputs"/> is null.
/// GalaxiesKept: the sources the keep-galaxies stage gave back (0 where it did not act).
/// CensusLimited: the star census found more than <see cref="RemovalOptions.MaxSources"/>
/// sources and the weakest were not cleaned up. GalaxyStageLimited: the keep-galaxies
/// stage met more runs of sources than the limit allows and gave nothing back.
/// Binning: the factor the picture was binned by before the removal (1: not binned).
/// </summary>
public sealed record RemovalResult(Imaging.AstroImage Starless, Imaging.AstroImage Stars, Imaging.AstroImage Mask, bool Stretched, int GalaxiesKept = 0,
    bool CensusLimited = false, bool GalaxyStageLimited = false, int Binning = 1);
