using System.Runtime.InteropServices;

namespace StarPlugin.IO.Jpeg;

/// <summary>
/// The few TurboJPEG 2.x entry points we use, resolved at first use so that a
/// machine without libturbojpeg gets one clear error instead of a crash at start.
/// </summary>
internal static unsafe class TurboJpeg
{
    public const int PixelFormatRgb = 0, PixelFormatGray = 6;
    public const int SubsampleNone = 0, SubsampleGray = 3;
    public const int ColorspaceGray = 2, ColorspaceCmyk = 3, ColorspaceYcck = 4;
    public const int FlagAccurateDct = 4096;

    private static readonly Lazy<Api> Loaded = new(Load);

    internal sealed class Api
    {
        public delegate* unmanaged<nint> InitDecompress;
        public delegate* unmanaged<nint> InitCompress;
        public delegate* unmanaged<nint, byte*, CULong, int*, int*, int*, int*, int> DecompressHeader3;
        public delegate* unmanaged<nint, byte*, CULong, byte*, int, int, int, int, int, int> Decompress2;
        public delegate* unmanaged<nint, byte*, int, int, int, int, byte**, CULong*, int, int, int, int> Compress2;
        public delegate* unmanaged<byte*, void> Free;
        public delegate* unmanaged<nint, int> Destroy;
        public delegate* unmanaged<nint, byte*> GetErrorStr2;
    }

    public static Api Get() => Loaded.Value;

    private static Api Load()
    {
        string[] names = OperatingSystem.IsWindows() ? ["turbojpeg.dll"] : OperatingSystem.IsMacOS() ? ["libturbojpeg.0.dylib", "libturbojpeg.dylib"] : ["libturbojpeg.so.0", "libturbojpeg.so"];
        nint lib = 0;
        foreach (var n in names)
            if (NativeLibrary.TryLoad(n, out lib)) break;
        if (lib == 0)
            throw new UnsupportedImageException("JPEG needs the system libjpeg-turbo library (libturbojpeg); install it with 'apt install libturbojpeg0'");
        nint Sym(string s) => NativeLibrary.TryGetExport(lib, s, out var p) ? p : throw new UnsupportedImageException($"libturbojpeg lacks {s}: version 2.0 or newer is needed");
        return new Api
        {
            InitDecompress = (delegate* unmanaged<nint>)Sym("tjInitDecompress"),
            InitCompress = (delegate* unmanaged<nint>)Sym("tjInitCompress"),
            DecompressHeader3 = (delegate* unmanaged<nint, byte*, CULong, int*, int*, int*, int*, int>)Sym("tjDecompressHeader3"),
            Decompress2 = (delegate* unmanaged<nint, byte*, CULong, byte*, int, int, int, int, int, int>)Sym("tjDecompress2"),
            Compress2 = (delegate* unmanaged<nint, byte*, int, int, int, int, byte**, CULong*, int, int, int, int>)Sym("tjCompress2"),
            Free = (delegate* unmanaged<byte*, void>)Sym("tjFree"),
            Destroy = (delegate* unmanaged<nint, int>)Sym("tjDestroy"),
            GetErrorStr2 = (delegate* unmanaged<nint, byte*>)Sym("tjGetErrorStr2"),
        };
    }

    public static string Error(Api api, nint handle) => Marshal.PtrToStringUTF8((nint)api.GetErrorStr2(handle)) ?? "unknown error";
}
