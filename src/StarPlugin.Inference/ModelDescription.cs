using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StarPlugin.Inference;

/// <summary>How the model's tensors are laid out.</summary>
public enum TensorLayout { Nchw, Nhwc, Nhw }

/// <summary>What the model outputs.</summary>
public enum ModelPredicts { Stars, Starless }

/// <summary>
/// The model's contract, read from the .onnx file's metadata_props (keys "starplugin.*")
/// or from a JSON sidecar (MODEL.onnx.json), never hard-coded: channel count, tensor
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

    public static ModelDescription Load(string modelPath)
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        string sidecar = modelPath + ".json";
        if (File.Exists(sidecar))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(sidecar));
            foreach (var p in doc.RootElement.EnumerateObject())
                props["starplugin." + p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        }
        else
        {
            foreach (var (k, v) in OnnxMetadataReader.Read(File.ReadAllBytes(modelPath))) props[k] = v;
        }
        string Get(string key, string fallback) => props.TryGetValue("starplugin." + key, out var v) ? v : fallback;
        int Int(string key, int fallback) => int.TryParse(Get(key, ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;
        float Float(string key, float fallback) => float.TryParse(Get(key, ""), NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v : fallback;
        TensorLayout Layout(string key) => Get(key, "nchw").ToLowerInvariant() switch
        {
            "nhwc" => TensorLayout.Nhwc,
            "nhw" => TensorLayout.Nhw,
            "nchw" => TensorLayout.Nchw,
            var other => throw new OrtException($"{modelPath}: unknown tensor layout '{other}' in {key}"),
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
            Name = Get("name", Path.GetFileNameWithoutExtension(modelPath)),
            PsfPlaneScale = Float("psf_plane_scale", 0f),
        };
        if (d.Channels is not (1 or 3)) throw new OrtException($"{modelPath}: models with {d.Channels} channels are not supported (1 or 3)");
        if (d.InputLayout == TensorLayout.Nhw && d.Channels != 1) throw new OrtException($"{modelPath}: NHW layout needs 1 channel");
        if (!(d.InputScale > 0)) throw new OrtException($"{modelPath}: input_scale must be positive");
        if (!(d.PsfPlaneScale >= 0) || float.IsInfinity(d.PsfPlaneScale)) throw new OrtException($"{modelPath}: psf_plane_scale must be 0 or positive");
        if (d.PsfPlaneScale > 0 && d.InputLayout != TensorLayout.Nchw) throw new OrtException($"{modelPath}: a PSF plane needs NCHW input");
        return d;
    }
}

/// <summary>
/// Reads ModelProto.metadata_props (field 14: repeated StringStringEntryProto {key = 1,
/// value = 2}) straight from the protobuf bytes, so metadata needs no ORT call.
/// </summary>
public static class OnnxMetadataReader
{
    public static List<(string Key, string Value)> Read(ReadOnlySpan<byte> model)
    {
        var result = new List<(string, string)>();
        int pos = 0;
        while (pos < model.Length)
        {
            ulong tag = Varint(model, ref pos);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case 0: Varint(model, ref pos); break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    int len = checked((int)Varint(model, ref pos));
                    if (len < 0 || pos + len > model.Length) throw new OrtException("model file is truncated or not ONNX");
                    if (field == 14) result.Add(Entry(model.Slice(pos, len)));
                    pos += len;
                    break;
                default: throw new OrtException("model file is not a valid ONNX protobuf");
            }
        }
        return result;
    }

    private static (string, string) Entry(ReadOnlySpan<byte> b)
    {
        string key = "", value = "";
        int pos = 0;
        while (pos < b.Length)
        {
            ulong tag = Varint(b, ref pos);
            if ((tag & 7) != 2) throw new OrtException("bad metadata entry");
            int len = checked((int)Varint(b, ref pos));
            if (pos + len > b.Length) throw new OrtException("bad metadata entry");
            string s = Encoding.UTF8.GetString(b.Slice(pos, len));
            if ((tag >> 3) == 1) key = s; else if ((tag >> 3) == 2) value = s;
            pos += len;
        }
        return (key, value);
    }

    private static ulong Varint(ReadOnlySpan<byte> b, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= b.Length) throw new OrtException("model file is truncated");
            byte x = b[pos++];
            v |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return v;
        }
        throw new OrtException("bad varint in model file");
    }
}
