using System.Globalization;

namespace StarPlugin.Removal;

/// <summary>How the model's tensors are laid out.</summary>
public enum TensorLayout { Nchw, Nhwc, Nhw }

/// <summary>What the model outputs.</summary>
public enum ModelPredicts { Stars, Starless }

/// <summary>
/// The model's contract, read from the model's metadata (keys "starplugin.*", in the .onnx
/// file's metadata_props or a JSON sidecar: StarPlugin.Inference.ModelFile), never hard-coded: channel count, tensor
/// layout, the scale between our [0,1] domain and its input, whether it predicts the
/// star layer or the starless image, and tiling hints.
/// </summary>
public sealed record ModelDescription
{
    public int Channels { get; init; } = 3;
    public TensorLayout InputLayout { get; init; } = TensorLayout.Nchw;
    public TensorLayout OutputLayout { get; init; } = TensorLayout.Nchw;
    /// <summary>Model input = our [0,1] value × InputScale; our value = output / InputScale.</summary>
    public float InputScale { get; init; } = 1f;
    public ModelPredicts Predicts { get; init; } = ModelPredicts.Stars;
    /// <summary>Fixed input side for models without dynamic dimensions; 0 = any multiple of <see cref="SizeMultiple"/>.</summary>
    public int FixedTile { get; init; }
    public int SizeMultiple { get; init; } = 8;
    public int DefaultTile { get; init; } = 256;
    public int DefaultOverlap { get; init; } = 32;
    /// <summary>Largest batch the model accepts (1 for models with a fixed batch dimension).</summary>
    public int MaxBatch { get; init; } = 16;
    public string Name { get; init; } = "";
    /// <summary>
    /// 0: the input is the colour planes. Above 0: one more input plane follows them,
    /// holding the stars' FWHM in pixels where each pixel stands, times this scale
    /// (metadata psf_plane_scale). A compact galaxy differs from a star mainly by being
    /// wider than the PSF, which a tile with few stars does not show the network.
    /// </summary>
    public float PsfPlaneScale { get; init; }
    /// <summary>Planes of the input tensor: the colour channels and the PSF plane if any.</summary>
    public int InputChannels => Channels + (PsfPlaneScale > 0 ? 1 : 0);

    /// <summary>
    /// The contract from metadata entries ("starplugin.channels" and so on); <paramref name="source"/>
    /// names the model in errors, <paramref name="fallbackName"/> is its name when none is declared.
    /// </summary>
    public static ModelDescription FromMetadata(IReadOnlyDictionary<string, string> props, string source, string fallbackName)
    {
        string Get(string key, string fallback) => props.TryGetValue("starplugin." + key, out var v) ? v : fallback;
        int Int(string key, int fallback) => int.TryParse(Get(key, ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;
        float Float(string key, float fallback) => float.TryParse(Get(key, ""), NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v : fallback;
        TensorLayout Layout(string key) => Get(key, "nchw").ToLowerInvariant() switch
        {
            "nhwc" => TensorLayout.Nhwc,
            "nhw" => TensorLayout.Nhw,
            "nchw" => TensorLayout.Nchw,
            var other => throw new ModelFileException($"{source}: unknown tensor layout '{other}' in {key}"),
        };
        var d = new ModelDescription
        {
            Channels = Int("channels", 3),
            InputLayout = Layout("input_layout"),
            OutputLayout = Layout("output_layout"),
            InputScale = Float("input_scale", 1f),
            Predicts = Get("predicts", "stars").ToLowerInvariant() == "starless" ? ModelPredicts.Starless : ModelPredicts.Stars,
            FixedTile = Int("fixed_tile", 0),
            SizeMultiple = Math.Max(1, Int("size_multiple", 8)),
            DefaultTile = Int("tile", 256),
            DefaultOverlap = Int("overlap", 32),
            MaxBatch = Math.Max(1, Int("max_batch", 16)),
            Name = Get("name", fallbackName),
            PsfPlaneScale = Float("psf_plane_scale", 0f),
        };
        if (d.Channels is not (1 or 3)) throw new ModelFileException($"{source}: models with {d.Channels} channels are not supported (1 or 3)");
        if (d.InputLayout == TensorLayout.Nhw && d.Channels != 1) throw new ModelFileException($"{source}: NHW layout needs 1 channel");
        if (!(d.InputScale > 0)) throw new ModelFileException($"{source}: input_scale must be positive");
        if (!(d.PsfPlaneScale >= 0) || float.IsInfinity(d.PsfPlaneScale)) throw new ModelFileException($"{source}: psf_plane_scale must be 0 or positive");
        if (d.PsfPlaneScale > 0 && d.InputLayout != TensorLayout.Nchw) throw new ModelFileException($"{source}: a PSF plane needs NCHW input");
        return d;
    }
}

/// <summary>A model that breaks its contract: bad metadata, or output of the wrong size.</summary>
public class ModelException(string message) : Exception(message);

/// <summary>
/// A model file that cannot be used (not an ONNX model, metadata we do not support, a pipe
/// or a device): the caller's input, refused before any work like a corrupt image.
/// </summary>
public sealed class ModelFileException(string message) : ModelException(message);
