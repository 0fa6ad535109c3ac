using System.Runtime.InteropServices;
using StarPlugin.Imaging;
using StarPlugin.Inference;
using StarPlugin.Native.Interop;
using StarPlugin.Removal;

namespace StarPlugin.Native.Exports;

/// <summary>sp_removal_options of ABI 3, byte for byte (frozen: 7 × int32).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SpRemovalOptions { public int Stretch, StarLayer, Tile, Overlap, Batch, Cleanup, KeepGalaxies; }

/// <summary>The star-removal engine behind sp_engine*: a loaded model (one ORT session).</summary>
internal static unsafe class EngineExports
{
    // Reference-counted, with handles that are never reused (see HandleTable).
    internal static readonly HandleTable<StarRemover> Engines = new("sp_engine", tag: 1);

    [UnmanagedCallersOnly(EntryPoint = "sp_engine_create")]
    public static int Create(byte* modelPath, int device, int threads, nint* output) => Boundary.Guard("sp_engine_create", () =>
    {
        if (output == null) throw new ArgumentProblem("out is NULL");
        *output = 0;
        if (device is < 0 or > 3) throw new ArgumentProblem($"device = {device} (0 auto, 1 cpu, 2 directml, 3 cuda)");
        if (threads < 0) throw new ArgumentProblem($"threads = {threads}");
        string? path = modelPath != null ? Marshal.PtrToStringUTF8((nint)modelPath) : LibraryLocation.DefaultModel();
        if (string.IsNullOrEmpty(path)) throw new FileNotFoundException("no model path given and no models/starless-v1.onnx beside libstarplugin");
        var remover = new StarRemover(path, new Inference.SessionOptions { Device = (ExecutionDevice)device, Threads = threads });
        *output = Engines.Add(remover);
        return Status.Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_engine_device")]
    public static int Device(nint engine, int* device) => Boundary.Guard("sp_engine_device", () =>
    {
        if (device == null) throw new ArgumentProblem("device is NULL");
        using var lease = Engines.Acquire(engine);
        *device = (int)lease.Value.Device;
        return Status.Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_engine_release")]
    public static void Release(nint engine)
    {
        try { Engines.Release(engine); }
        catch (Exception e) { LastError.Set("sp_engine_release: " + e.Message); }
    }

    /// <summary>The frozen ABI 3 struct: exactly its 28 bytes are read.</summary>
    private static RemovalOptions Options(SpRemovalOptions* o)
    {
        if (o == null) return new RemovalOptions();
        var v = *o;
        if (v.Stretch is < 0 or > 2) throw new ArgumentProblem($"options.stretch = {v.Stretch}");
        if (v.StarLayer is < 0 or > 1) throw new ArgumentProblem($"options.star_layer = {v.StarLayer}");
        if (v.Tile < 0 || v.Tile > 8192 || v.Batch < 0 || v.Batch > 256 || v.Overlap < -1) throw new ArgumentProblem("options.tile, overlap or batch out of range");
        if (v.Cleanup is < -1 or > 1) throw new ArgumentProblem($"options.cleanup = {v.Cleanup} (0 default, 1 on, -1 off)");
        if (v.KeepGalaxies is < -1 or > 1) throw new ArgumentProblem($"options.keep_galaxies = {v.KeepGalaxies} (0 default = auto, 1 always, -1 never)");
        return new RemovalOptions
        {
            Stretch = (StretchMode)v.Stretch,
            StarLayer = (StarLayerMode)v.StarLayer,
            Tiling = new TilingOptions { Tile = v.Tile, Overlap = v.Overlap == 0 ? -1 : v.Overlap == -1 ? 0 : v.Overlap, Batch = v.Batch == 0 ? 1 : v.Batch },
            Cleanup = v.Cleanup != -1,
            KeepGalaxies = v.KeepGalaxies switch { 1 => GalaxyMode.Always, -1 => GalaxyMode.Never, _ => GalaxyMode.Auto },
        };
    }

    [UnmanagedCallersOnly(EntryPoint = "sp_remove")]
    public static int Remove(nint engine, SpImage* input, SpRect* roi, nint options, SpImage* starless, SpImage* stars, SpImage* mask,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user) => Boundary.Guard("sp_remove", () =>
        RemoveCore(engine, input, roi, () => Settings.Removal(OptionsExports.Read(options)), starless, stars, mask, progress, user));

    [UnmanagedCallersOnly(EntryPoint = "sp_remove_stars")]
    public static int RemoveV3(nint engine, SpImage* input, SpRect* roi, SpRemovalOptions* options, SpImage* starless, SpImage* stars, SpImage* mask,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user) => Boundary.Guard("sp_remove_stars", () =>
        RemoveCore(engine, input, roi, () => Options(options), starless, stars, mask, progress, user));

    private static Status RemoveCore(nint engine, SpImage* input, SpRect* roi, Func<RemovalOptions> options, SpImage* starless, SpImage* stars, SpImage* mask,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user)
    {
        using var lease = Engines.Acquire(engine);
        NativeImage.Validate(input, "input");
        int w = input->Width, h = input->Height;
        if (starless == null && stars == null && mask == null) throw new ArgumentProblem("no output requested (starless, stars and mask are all NULL)");
        if (starless != null) NativeImage.Validate(starless, "starless", w, h, input->Channels);
        if (stars != null) NativeImage.Validate(stars, "stars", w, h, input->Channels);
        if (mask != null) NativeImage.Validate(mask, "mask", w, h, 1);
        var opts = options() with
        {
            Outputs = (starless != null ? RemovalOutputs.Starless : 0) | (stars != null ? RemovalOutputs.Stars : 0) | (mask != null ? RemovalOutputs.Mask : 0),
        };
        var (x0, y0, rw, rh) = NativeImage.Roi(roi, w, h);
        var remover = lease.Value;
        var result = CallingThread.Run(progress, user, cb => remover.Remove(NativeImage.Read(input, x0, y0, rw, rh), opts, cb));
        // Outputs are written only now, after success: a cancel leaves them untouched.
        bool partial = rw != w || rh != h;
        if (starless != null) { if (partial) NativeImage.CopyAll(input, starless); NativeImage.Write(starless, result.Starless!, x0, y0); }
        if (stars != null) { if (partial) NativeImage.CopyAll(input, stars, 0f); NativeImage.Write(stars, result.Stars!, x0, y0); }
        if (mask != null) { if (partial) NativeImage.CopyAll(input, mask, 0f); NativeImage.Write(mask, result.Mask!, x0, y0); }
        return Status.Ok;
    }

    [UnmanagedCallersOnly(EntryPoint = "sp_reduce")]
    public static int Reduce(nint engine, SpImage* input, SpRect* roi, nint options, SpImage* output,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user) => Boundary.Guard("sp_reduce", () =>
    {
        var set = OptionsExports.Read(options);
        var (amount, mode) = Settings.Reduction(set);
        return ReduceCore(engine, input, roi, Settings.Removal(set), amount, mode, output, progress, user);
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_reduce_stars")]
    public static int ReduceV3(nint engine, SpImage* input, SpRect* roi, SpRemovalOptions* options, float amount, int mode, SpImage* output,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user) => Boundary.Guard("sp_reduce_stars", () =>
    {
        if (!(amount >= 0 && amount <= 1)) throw new ArgumentProblem($"amount = {amount} (0..1)");
        if (mode is < 0 or > 1) throw new ArgumentProblem($"mode = {mode} (0 shrink, 1 scale)");
        return ReduceCore(engine, input, roi, Options(options), amount, mode == 1 ? ReductionMode.Scale : ReductionMode.Shrink, output, progress, user);
    });

    private static Status ReduceCore(nint engine, SpImage* input, SpRect* roi, RemovalOptions opts, float amount, ReductionMode mode, SpImage* output,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user)
    {
        using var lease = Engines.Acquire(engine);
        NativeImage.Validate(input, "input");
        NativeImage.Validate(output, "output", input->Width, input->Height, input->Channels);
        var (x0, y0, rw, rh) = NativeImage.Roi(roi, input->Width, input->Height);
        var remover = lease.Value;
        var reduced = CallingThread.Run(progress, user, cb => remover.Reduce(NativeImage.Read(input, x0, y0, rw, rh), amount, mode, opts, cb));
        if (rw != input->Width || rh != input->Height) NativeImage.CopyAll(input, output);
        NativeImage.Write(output, reduced, x0, y0);
        return Status.Ok;
    }
}
