namespace StarPlugin.IO;

/// <summary>A file that is not a valid image of the format it claims, or a variant we do not support.</summary>
public class ImageFormatException : Exception
{
    public ImageFormatException(string message) : base(message) { }
    public ImageFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A valid file in a variant this codec does not handle (named in the message).</summary>
public sealed class UnsupportedImageException(string message) : ImageFormatException(message);
