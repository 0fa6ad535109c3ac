using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StarPlugin.Inference;
using StarPlugin.Native.Interop;
using StarPlugin.Removal;

namespace StarPlugin.Native.Exports;

/// <summary>sp_removal_options.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SpRemovalOptions { public int Stretch, StarLayer, Tile, Overlap, Batch, Cleanup, KeepGalaxies; }

/// <summary>The star-removal engine behind sp_engine*: a loaded model (one ORT session).</summary>
internal static unsafe class EngineExports
{
    // Live handles: a stale, foreign or double-released pointer is rejected instead of dereferenced.
    private static readonly ConcurrentDictionary<nint, StarRemover> Engines = new();

    private static StarRemover Engine(nint handle) =>
        handle != 0 && Engines.TryGetValue(handle, out var e) ? e : throw new ArgumentProblem(handle == 0 ? "engine is NULL" : "engine is not a live sp_engine handle");

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
        var handle = GCHandle.ToIntPtr(GCHandle.Alloc(remover));
        Engines[handle] = remover;
        *output = handle;
        return Status.Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_engine_device")]
    public static int Device(nint engine, int* device) => Boundary.Guard("sp_engine_device", () =>
    {
        if (device == null) throw new ArgumentProblem("device is NULL");
        *device = (int)Engine(engine).Device;
        return Status.Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_engine_release")]
    public static void Release(nint engine)
    {
        try
        {
            if (engine == 0 || !Engines.TryRemove(engine, out var remover)) return;
            remover.Dispose();
            GCHandle.FromIntPtr(engine).Free();
        }
        catch (Exception e) { LastError.Set("sp_engine_release: " + e.Message); }
    }

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

    [UnmanagedCallersOnly(EntryPoint = "sp_remove_stars")]
    public static int Remove(nint engine, SpImage* input, SpRect* roi, SpRemovalOptions* options, SpImage* starless, SpImage* stars, SpImage* mask,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user) => Boundary.Guard("sp_remove_stars", () =>
    {
        var remover = Engine(engine);
        NativeImage.Validate(input, "input");
        int w = input->Width, h = input->Height;
        if (starless == null && stars == null && mask == null) throw new ArgumentProblem("no output requested (starless, stars and mask are all NULL)");
        if (starless != null) NativeImage.Validate(starless, "starless", w, h, input->Channels);
        if (stars != null) NativeImage.Validate(stars, "stars", w, h, input->Channels);
        if (mask != null) NativeImage.Validate(mask, "mask", w, h, 1);
        var opts = Options(options);
        var (x0, y0, rw, rh) = NativeImage.Roi(roi, w, h);
        var img = NativeImage.Read(input, x0, y0, rw, rh);
        var result = remover.Remove(img, opts, NativeProgress.Wrap(progress, user));
        // Outputs are written only now, after success: a cancel leaves them untouched.
        bool partial = rw != w || rh != h;
        if (starless != null) { if (partial) NativeImage.CopyAll(input, starless); NativeImage.Write(starless, result.Starless, x0, y0); }
        if (stars != null) { if (partial) NativeImage.CopyAll(input, stars, 0f); NativeImage.Write(stars, result.Stars, x0, y0); }
        if (mask != null) { if (partial) NativeImage.CopyAll(input, mask, 0f); NativeImage.Write(mask, result.Mask, x0, y0); }
        return Status.Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "sp_reduce_stars")]
    public static int Reduce(nint engine, SpImage* input, SpRect* roi, SpRemovalOptions* options, float amount, int mode, SpImage* output,
        delegate* unmanaged<double, byte*, void*, int> progress, void* user) => Boundary.Guard("sp_reduce_stars", () =>
    {
        var remover = Engine(engine);
        NativeImage.Validate(input, "input");
        NativeImage.Validate(output, "output", input->Width, input->Height, input->Channels);
        if (!(amount >= 0 && amount <= 1)) throw new ArgumentProblem($"amount = {amount} (0..1)");
        if (mode is < 0 or > 1) throw new ArgumentProblem($"mode = {mode} (0 shrink, 1 scale)");
        var opts = Options(options);
        var (x0, y0, rw, rh) = NativeImage.Roi(roi, input->Width, input->Height);
        var img = NativeImage.Read(input, x0, y0, rw, rh);
        var result = remover.Remove(img, opts, NativeProgress.Wrap(progress, user));
        var reduced = StarReducer.Reduce(result, amount, mode == 1 ? ReductionMode.Scale : ReductionMode.Shrink);
        if (rw != input->Width || rh != input->Height) NativeImage.CopyAll(input, output);
        NativeImage.Write(output, reduced, x0, y0);
        return Status.Ok;
    });
}
