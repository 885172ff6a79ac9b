namespace EncDec.Training;

/// <summary>
/// The one naming rule of a run folder's rotating checkpoints: <c>RUN/checkpoints/step_NNNNNNNN.safetensors</c> (8 digits,
/// so the names sort by step). Trainers write them; the model store and the CLI find the newest.
/// </summary>
public static class RunCheckpoints
{
    /// <summary>The folder inside a run folder.</summary>
    public const string Folder = "checkpoints";
    /// <summary>The file pattern of the rotating checkpoints.</summary>
    public const string Pattern = "step_*.safetensors";

    /// <summary>The checkpoint file of <paramref name="step"/> in <paramref name="runDirectory"/>.</summary>
    public static string PathOf(string runDirectory, long step) => Path.Combine(runDirectory, Folder, $"step_{step:D8}.safetensors");

    /// <summary>The rotating checkpoints of a run folder, oldest first (none when the folder has no checkpoints).</summary>
    public static List<string> All(string runDirectory)
    {
        var dir = Path.Combine(runDirectory, Folder);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, Pattern).OrderBy(p => p, StringComparer.Ordinal).ToList() : new List<string>();
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> (at least one) rotating checkpoints.</summary>
    public static void KeepNewest(string runDirectory, int keep)
    {
        var all = All(runDirectory);
        for (int i = 0; i < all.Count - Math.Max(keep, 1); i++) File.Delete(all[i]);
    }
}
