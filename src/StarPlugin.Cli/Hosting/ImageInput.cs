using System.Globalization;
using StarPlugin.Imaging;
using StarPlugin.IO;

namespace StarPlugin.Cli.Hosting;

/// <summary>Reads an input image after its header has passed --max-megapixels.</summary>
public static class ImageInput
{
    public static AstroImage Read(string path, double maxMegapixels)
    {
        if (maxMegapixels <= 0) return ImageFile.Read(path);
        long limit = (long)(maxMegapixels * 1e6);
        // The header first (the file is mapped, the pixels never decoded): a small file that
        // declares a huge image is refused here, in bounded memory.
        var header = ImageFile.ReadHeader(path);
        if (header.Pixels > limit)
            throw new ImageSizeException(string.Format(CultureInfo.InvariantCulture,
                "{0}: {1}x{2} is {3:0.#} megapixels, over --max-megapixels {4} (raise it to process this image; as float it takes {5:0.#} GB)",
                path, header.Width, header.Height, header.Pixels / 1e6, maxMegapixels, header.Pixels * header.Channels * 4.0 / 1e9));
        using (ImageLimits.LimitPixels(limit)) return ImageFile.Read(path);
    }
}

/// <summary>Whether a message about a GPU provider concerns this machine.</summary>
public static class GpuPresence
{
    /// <summary>The NVIDIA driver is loaded (Linux: /proc/driver/nvidia or /dev/nvidiactl); elsewhere assume it may be.</summary>
    public static bool Nvidia { get; } = !OperatingSystem.IsLinux() || Directory.Exists("/proc/driver/nvidia") || File.Exists("/dev/nvidiactl");

    /// <summary>A device note worth printing: notes about CUDA only where an NVIDIA GPU is present.</summary>
    public static bool Relevant(string note) => Nvidia || !note.Contains("CUDA", StringComparison.OrdinalIgnoreCase);
}
