namespace StarPlugin.Removal;

/// <summary>Whether to stretch linear data into the model's domain.</summary>
public enum StretchMode { Auto = 0, Always = 1, Never = 2 }

/// <summary>
/// When to give back sources broader than the frame's stars (see GalaxyProtection).
/// Auto: only in galaxy fields, frames where most of the sources' light is in resolved
/// sources; there a broad source is most likely a galaxy, in a star field most likely a
/// blend of stars.
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
}

/// <summary>
/// Outputs of star removal. Alpha (if any) is copied untouched into every output.
/// An output not asked for in <see cref="RemovalOptions.Outputs"/> is null.
/// GalaxiesKept: the sources the keep-galaxies stage gave back (0 where it did not act).
/// </summary>
public sealed record RemovalResult(Imaging.AstroImage Starless, Imaging.AstroImage Stars, Imaging.AstroImage Mask, bool Stretched, int GalaxiesKept = 0);
