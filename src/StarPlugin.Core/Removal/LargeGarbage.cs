namespace StarPlugin.Removal;

/// <summary>
/// Gives back a stage's dead image-sized scratch before the next stage allocates, on large
/// images: the collector otherwise kept it resident beside what came next, and the two
/// added up in the peak.
/// </summary>
internal static class LargeGarbage
{
    /// <summary>Above this many pixels a stage's scratch is collected before the next stage allocates.</summary>
    public const int LargeImage = 1 << 22;

    public static void Release(long pixels)
    {
        if (pixels < LargeImage) return;
        // Not compacting: compaction copies the live planes (input, outputs) and the copies
        // showed as a transient peak of their size.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
    }
}
