using System.Globalization;
using System.Text.Json;
using EncDec.IO;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>A checkpoint a run resumes from: its file and its contents.</summary>
internal sealed record ResumePoint(string Path, TrainingSnapshot Snapshot)
{
    public long Step => Snapshot.Step;

    /// <summary>True when the run this checkpoint belongs to is over: <paramref name="maxSteps"/> reached, or stopped early.</summary>
    public bool IsFinished(long maxSteps) => Step >= maxSteps
        || (Snapshot.Extra.TryGetValue(Trainer.StopReasonKey, out var why) && why == nameof(StopReason.EarlyStopping));
}

/// <summary>
/// The files of a run folder and the rules for reusing them: <c>--fresh</c> moves the previous run aside, a resume
/// starts from the newest readable checkpoint (a corrupt one is renamed and skipped), and a checkpoint whose model
/// or vocabulary differs from what is asked for is refused.
/// </summary>
internal static class RunFolder
{
    public const string CheckpointsDir = "checkpoints";
    public const string BestFile = "best.safetensors";
    public const string ModelFile = "model.safetensors";
    public const string MetricsFile = "metrics.jsonl";
    public const string ValidHypFile = "valid.hyp";

    /// <summary>What a previous run leaves that a fresh run must not mix with its own.</summary>
    private static readonly string[] RunOutputs = [CheckpointsDir, BestFile, ModelFile, MetricsFile, "loss.svg", ValidHypFile];

    /// <summary>The rotating checkpoints of <paramref name="runDir"/>, oldest first (names sort by step).</summary>
    public static List<string> Checkpoints(string runDir) => RunCheckpoints.All(runDir);

    /// <summary>
    /// Moves the previous run's checkpoints, best and final model, metrics log, loss curve and validation output into
    /// <c>RUN/old-yyyyMMdd-HHmmss/</c>; returns that folder, or null when there was nothing to move.
    /// </summary>
    public static string? MoveAside(string runDir)
    {
        var present = RunOutputs.Select(n => Path.Combine(runDir, n)).Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        if (present.Count == 0) return null;
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string dest = Path.Combine(runDir, "old-" + stamp);
        for (int i = 2; Directory.Exists(dest); i++) dest = Path.Combine(runDir, $"old-{stamp}-{i}");
        Directory.CreateDirectory(dest);
        foreach (var p in present)
        {
            string target = Path.Combine(dest, Path.GetFileName(p));
            if (Directory.Exists(p)) Directory.Move(p, target); else File.Move(p, target);
        }
        return dest;
    }

    /// <summary>
    /// The newest checkpoint of <paramref name="runDir"/> that loads; a newer unreadable one is renamed to
    /// <c>*.corrupt</c> (out of the rotation) with a warning naming it. Null when there is no checkpoint.
    /// </summary>
    /// <exception cref="UserInputException">Checkpoints exist but none is readable.</exception>
    public static ResumePoint? FindResumable(string runDir, Action<string> warn)
    {
        var all = Checkpoints(runDir);
        for (int i = all.Count - 1; i >= 0; i--)
        {
            try
            {
                return new ResumePoint(all[i], SafeTensorsCheckpointStore.Instance.Load(all[i]));
            }
            catch (Exception e) when (e is UserInputException or IOException)
            {
                string moved = all[i] + ".corrupt";
                try { File.Move(all[i], moved, overwrite: true); } catch (IOException) { moved = all[i]; }
                warn($"{(e is UserInputException ? e.Message : all[i] + ": " + Program.OneLine(e.Message))}; renamed to {moved} and " + (i > 0 ? $"resuming from the previous checkpoint {all[i - 1]}" : "no earlier checkpoint is left"));
            }
        }
        if (all.Count > 0)
            throw new UserInputException(Path.Combine(runDir, CheckpointsDir), null, "no readable checkpoint to resume from; use --fresh to start over");
        return null;
    }

    /// <summary>
    /// Refuses to resume <paramref name="point"/> with a model config or vocabulary settings other than the checkpoint's,
    /// naming the first differing setting: "CKPT: d_model is 256 in this run but 512 was asked for; use --fresh to start over".
    /// </summary>
    /// <param name="configJson">The model config the command would build.</param>
    /// <param name="settings">The vocabulary settings of the command (stored in each checkpoint as "run.*" metadata).</param>
    public static void CheckCompatible(ResumePoint point, string configJson, IReadOnlyDictionary<string, string> settings)
    {
        UserInputException Differs(string name, string was, string asked) =>
            new(point.Path, null, $"{name} is {was} in this run but {asked} was asked for; use --fresh to start over");

        foreach (var (key, asked) in settings)
            if (point.Snapshot.Extra.TryGetValue(Trainer.ExtraMetadataPrefix + key, out var was) && was != asked)
                throw Differs(key, Show(was), Show(asked));

        if (point.Snapshot.ConfigJson is not { } stored) return;
        using var a = JsonDocument.Parse(stored);
        using var b = JsonDocument.Parse(configJson);
        var old = a.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal);
        var differing = new List<(string Setting, string Was, string Now)>();
        foreach (var p in b.RootElement.EnumerateObject())
        {
            string now = p.Value.GetRawText();
            if (old.TryGetValue(p.Name, out var was) && was != now) differing.Add((SettingName(p.Name), Show(was), Show(now)));
        }
        if (differing.Count == 0) return;
        // one short line: the first setting, and how many others differ too
        var (setting, before, wanted) = differing[0];
        int others = differing.Select(d => d.Setting).Distinct().Count() - 1;
        throw others == 0
            ? Differs(setting, before, wanted)
            : new UserInputException(point.Path, null,
                $"{setting} is {before} in this run but {wanted} was asked for (and {others} more setting{(others == 1 ? " differs" : "s differ")}); use --fresh to start over");
    }

    /// <summary>The training setting behind a model-config key (the config says encoder_layers where the user wrote layers).</summary>
    private static string SettingName(string configKey) => configKey switch
    {
        "encoder_layers" or "decoder_layers" => "layers",
        "src_vocab_size" => "source vocabulary size",
        "tgt_vocab_size" => "target vocabulary size",
        "family" => "model",
        "max_positions" => "max_positions (max_length + 2, at least 1024)",
        _ => configKey,
    };

    private static string Show(string json) => json.Trim('"');
}
