using System.Text;

namespace StarPlugin.Tests.Support;

/// <summary>
/// Writes small ONNX models (protobuf bytes, opset 13) for engine tests, so the tests
/// need no Python. Only the fields these models use: graph nodes with int/float/ints
/// attributes, float initializers, and float tensor inputs/outputs whose dimensions
/// are fixed numbers or named (dynamic).
/// </summary>
internal sealed class OnnxModelBuilder
{
    private readonly List<byte[]> _nodes = [], _inits = [], _inputs = [], _outputs = [];
    private readonly List<(string, string)> _meta = [];

    public OnnxModelBuilder Input(string name, params object[] dims) { _inputs.Add(ValueInfo(name, dims)); return this; }
    public OnnxModelBuilder Output(string name, params object[] dims) { _outputs.Add(ValueInfo(name, dims)); return this; }
    public OnnxModelBuilder Meta(string key, string value) { _meta.Add((key, value)); return this; }
    /// <summary>The ModelProto's ir_version (8 unless set: a model from a newer exporter says more).</summary>
    public OnnxModelBuilder IrVersion(long version) { _irVersion = version; return this; }
    private long _irVersion = 8;

    public OnnxModelBuilder Node(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attrs)
    {
        var b = new Proto();
        foreach (var i in inputs) b.Str(1, i);
        foreach (var o in outputs) b.Str(2, o);
        b.Str(3, op + "_" + _nodes.Count);
        b.Str(4, op);
        foreach (var (name, value) in attrs)
        {
            var a = new Proto().Str(1, name);
            switch (value)
            {
                case int i: a.Int(20, 2).Int(3, i); break;
                case float f: a.Int(20, 1).Fixed32(2, f); break;
                case int[] ints: a.Int(20, 7); foreach (var v in ints) a.Int(8, v); break;
                default: throw new ArgumentException("attribute type");
            }
            b.Msg(5, a);
        }
        _nodes.Add(b.ToArray());
        return this;
    }

    public OnnxModelBuilder Initializer(string name, long[] dims, float[] values) => Tensor(name, dims, 1 /* FLOAT */, values);
    public OnnxModelBuilder InitializerInt64(string name, long[] dims, long[] values) => Tensor(name, dims, 7 /* INT64 */, values);

    private OnnxModelBuilder Tensor(string name, long[] dims, int dataType, Array values)
    {
        var t = new Proto();
        foreach (var d in dims) t.Int(1, d);
        t.Int(2, dataType).Str(8, name);
        var raw = new byte[Buffer.ByteLength(values)];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        t.Bytes(9, raw);
        _inits.Add(t.ToArray());
        return this;
    }

    public byte[] Build()
    {
        var g = new Proto();
        foreach (var n in _nodes) g.Bytes(1, n);
        g.Str(2, "test");
        foreach (var i in _inits) g.Bytes(5, i);
        foreach (var i in _inputs) g.Bytes(11, i);
        foreach (var o in _outputs) g.Bytes(12, o);
        var m = new Proto().Int(1, _irVersion).Str(2, "starplugin-tests").Msg(7, g).Msg(8, new Proto().Str(1, "").Int(2, 13));
        foreach (var (k, v) in _meta) m.Msg(14, new Proto().Str(1, k).Str(2, v));
        return m.ToArray();
    }

    public string Save(string dir, string name)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, Build());
        return path;
    }

    private static byte[] ValueInfo(string name, object[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims) shape.Msg(1, d is string s ? new Proto().Str(2, s) : new Proto().Int(1, Convert.ToInt64(d)));
        var tensor = new Proto().Int(1, 1).Msg(2, shape);
        return new Proto().Str(1, name).Msg(2, new Proto().Msg(1, tensor)).ToArray();
    }

    private sealed class Proto
    {
        private readonly MemoryStream _s = new();
        private void Tag(int field, int wire) => Varint((ulong)((field << 3) | wire));
        private void Varint(ulong v) { while (v >= 0x80) { _s.WriteByte((byte)(v | 0x80)); v >>= 7; } _s.WriteByte((byte)v); }
        public Proto Int(int field, long v) { Tag(field, 0); Varint((ulong)v); return this; }
        public Proto Fixed32(int field, float v) { Tag(field, 5); _s.Write(BitConverter.GetBytes(v)); return this; }
        public Proto Bytes(int field, byte[] b) { Tag(field, 2); Varint((ulong)b.Length); _s.Write(b); return this; }
        public Proto Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));
        public Proto Msg(int field, Proto p) => Bytes(field, p.ToArray());
        public byte[] ToArray() => _s.ToArray();
    }
}

/// <summary>The models the engine tests run.</summary>
internal static class TestModels
{
    /// <summary>Pointwise: stars = relu(x - 0.6) per channel; NCHW, dynamic size.</summary>
    public static OnnxModelBuilder Threshold(int channels = 3) => new OnnxModelBuilder()
        .Input("x", "n", channels, "h", "w").Output("y", "n", channels, "h", "w")
        .Initializer("t", [], [0.6f])
        .Node("Sub", ["x", "t"], ["d"]).Node("Relu", ["d"], ["y"])
        .Meta("starplugin.channels", channels.ToString()).Meta("starplugin.tile", "64").Meta("starplugin.overlap", "16");

    /// <summary>Local: stars = relu(x - blur3x3(blur3x3(x))) per channel (zero padding at tile borders); radius 2.</summary>
    public static OnnxModelBuilder LocalContrast(int channels = 3)
    {
        var w = new float[channels * 1 * 3 * 3];
        Array.Fill(w, 1f / 9);
        return new OnnxModelBuilder()
            .Input("x", "n", channels, "h", "w").Output("y", "n", channels, "h", "w")
            .Initializer("k", [channels, 1, 3, 3], w)
            .Node("Conv", ["x", "k"], ["b1"], ("group", channels), ("pads", new[] { 1, 1, 1, 1 }))
            .Node("Conv", ["b1", "k"], ["b2"], ("group", channels), ("pads", new[] { 1, 1, 1, 1 }))
            .Node("Sub", ["x", "b2"], ["d"]).Node("Relu", ["d"], ["y"])
            .Meta("starplugin.channels", channels.ToString()).Meta("starplugin.tile", "64").Meta("starplugin.overlap", "16");
    }

    /// <summary>
    /// PSF-aware (psf_plane_scale 1/8): input RGB + PSF plane, stars = RGB × PSF plane, so
    /// the star layer ÷ the input reads back the PSF FWHM / 8 the engine handed the model.
    /// </summary>
    public static OnnxModelBuilder PsfEcho() => new OnnxModelBuilder()
        .Input("x", "n", 4, "h", "w").Output("y", "n", 3, "h", "w")
        .InitializerInt64("s0", [1], [0]).InitializerInt64("s3", [1], [3]).InitializerInt64("s4", [1], [4]).InitializerInt64("ax", [1], [1])
        .Node("Slice", ["x", "s0", "s3", "ax"], ["rgb"]).Node("Slice", ["x", "s3", "s4", "ax"], ["psf"])
        .Node("Mul", ["rgb", "psf"], ["y"])
        .Meta("starplugin.channels", "3").Meta("starplugin.tile", "128").Meta("starplugin.overlap", "16").Meta("starplugin.psf_plane_scale", "0.125");

    /// <summary>Zero stars: y = x·0.</summary>
    public static OnnxModelBuilder Nothing(int channels = 3) => new OnnxModelBuilder()
        .Input("x", "n", channels, "h", "w").Output("y", "n", channels, "h", "w")
        .Initializer("z", [], [0f]).Node("Mul", ["x", "z"], ["y"]).Meta("starplugin.channels", channels.ToString());

    /// <summary>Like the peer: fixed [1,T,T] NHW input, [1,T,T,1] NHWC output, predicts the starless image in 0..382 units.</summary>
    public static OnnxModelBuilder PeerLike(int tile) => new OnnxModelBuilder()
        .Input("args_0", 1, tile, tile).Output("final_output", 1, tile, tile, 1)
        .Initializer("cap", [], [0.6f * 255f / 382f]).InitializerInt64("axes", [1], [3])
        .Node("Min", ["args_0", "cap"], ["m"]).Node("Unsqueeze", ["m", "axes"], ["final_output"]);
}
