using System.Text;
using System.Text.Json;
using StarPlugin.IO;
using StarPlugin.Removal;

namespace StarPlugin.Inference;

/// <summary>
/// A model file's contract (<see cref="ModelDescription"/>): from a JSON sidecar
/// (MODEL.onnx.json, keys without the "starplugin." prefix) when there is one, else from
/// the .onnx file's own metadata_props.
/// </summary>
public static class ModelFile
{
    /// <summary>The shipped model's file name.</summary>
    public const string DefaultName = "starless-v1.onnx";

    /// <summary>
    /// The shipped model in the first of <paramref name="directories"/> (folders the host
    /// knows: its own, beside the program) that holds it, in models/ or directly; null if none.
    /// </summary>
    public static string? FindDefault(IEnumerable<string> directories)
    {
        foreach (var dir in directories)
            foreach (var path in new[] { Path.Combine(dir, "models", DefaultName), Path.Combine(dir, DefaultName) })
                if (File.Exists(path)) return Path.GetFullPath(path);
        return null;
    }

    public static ModelDescription Describe(string modelPath)
    {
        Require(modelPath);
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        string sidecar = modelPath + ".json";
        if (File.Exists(sidecar))
        {
            Require(sidecar);
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(sidecar));
                foreach (var p in doc.RootElement.EnumerateObject())
                    props["starplugin." + p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new ModelFileException($"{sidecar}: not a JSON object of model metadata ({e.Message})");
            }
        }
        else
        {
            foreach (var (k, v) in ReadMetadata(modelPath)) props[k] = v;
        }
        return ModelDescription.FromMetadata(props, modelPath, Path.GetFileNameWithoutExtension(modelPath));
    }

    /// <summary>The model's metadata_props, read without ORT; a file that is not ONNX is a <see cref="ModelFileException"/> that names it.</summary>
    public static List<(string Key, string Value)> ReadMetadata(string modelPath)
    {
        Require(modelPath);
        try { return OnnxMetadataReader.Read(File.ReadAllBytes(modelPath)); }
        catch (ModelFileException e) { throw new ModelFileException($"{modelPath}: {e.Message}"); }
    }

    /// <summary>
    /// A model (or its sidecar) must be a regular file with data: reading a named pipe waits
    /// for a writer forever, deaf to SIGTERM. Missing: FileNotFoundException.
    /// </summary>
    public static void Require(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new FileNotFoundException($"{path}: model file not found", path);
        try { RegularFile.Require(path); }
        catch (ImageFormatException e) { throw new ModelFileException(e.Message); }
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
                    if (len < 0 || pos + len > model.Length) throw new ModelFileException("model file is truncated or not ONNX");
                    if (field == 14) result.Add(Entry(model.Slice(pos, len)));
                    pos += len;
                    break;
                default: throw new ModelFileException("not an ONNX model (its protobuf does not parse)");
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
            if ((tag & 7) != 2) throw new ModelFileException("bad metadata entry");
            int len = checked((int)Varint(b, ref pos));
            if (pos + len > b.Length) throw new ModelFileException("bad metadata entry");
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
            if (pos >= b.Length) throw new ModelFileException("model file is truncated");
            byte x = b[pos++];
            v |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return v;
        }
        throw new ModelFileException("bad varint in model file");
    }
}
