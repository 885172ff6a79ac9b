using EncDec.Models;

namespace EncDec.Cli.Commands;

/// <summary>The image tasks of <c>encdec train --task …</c>.</summary>
internal enum VisionTrainTask { Image2Seq, Segment, Dual }

/// <summary>What <c>encdec train --task …</c> reads besides the shared training flags.</summary>
internal sealed record VisionTrainArgs(VisionTrainTask Task, string Images, string Labels, string? ValidLabels, ImageEncoderKind Encoder, int Channels);

/// <summary>
/// The settings <c>encdec train</c> has for image tasks only (<c>--task image2seq|segment|dual</c>): <c>--images DIR</c>,
/// <c>--labels FILE</c>, <c>--valid-labels FILE</c>, <c>--image-encoder cnn|vit</c>, <c>--channels 1|3</c> — flags and
/// <see cref="TrainSpec"/> keys (<c>images</c>, <c>labels</c>, <c>valid_labels</c>, <c>image_encoder</c>, <c>channels</c>) like every other setting.
/// </summary>
internal static class VisionTrainFlags
{
    /// <summary>The names of these flags.</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.Ordinal) { "--images", "--labels", "--valid-labels", "--image-encoder", "--channels" };

    /// <summary>The first image setting given (flag or config key), if any: a run of another task must not get them.</summary>
    public static string? StrayFlag(TrainSpec s) =>
        s.Images is not null ? "--images" : s.Labels is not null ? "--labels" : s.ValidLabels is not null ? "--valid-labels"
        : s.ImageEncoder is not null ? "--image-encoder" : s.Channels is not null ? "--channels" : null;

    /// <summary>The image task of a <see cref="TrainTask"/>, or null for the other tasks.</summary>
    public static VisionTrainTask? ImageTask(TrainTask task) => task switch
    {
        TrainTask.Image2Seq => VisionTrainTask.Image2Seq, TrainTask.Segment => VisionTrainTask.Segment, TrainTask.Dual => VisionTrainTask.Dual, _ => null,
    };

    /// <summary>The image encoder and channels of the settings (checked; also what <c>--print-config</c> checks).</summary>
    public static (ImageEncoderKind Encoder, int Channels) Shape(TrainSpec s)
    {
        var encoder = (s.ImageEncoder ?? "cnn").ToLowerInvariant() switch
        {
            "cnn" => ImageEncoderKind.Cnn,
            "vit" => ImageEncoderKind.Vit,
            var e => throw new UserInputException($"--image-encoder: unknown image encoder '{e}' (expected cnn or vit)"),
        };
        int channels = s.Channels ?? 3;
        if (channels is not (1 or 3)) throw new UserInputException($"--channels must be 1 or 3, got {channels}");
        return (encoder, channels);
    }

    public static VisionTrainArgs Read(TrainSpec s, VisionTrainTask task)
    {
        string images = s.Images ?? throw new UserInputException("--images: the image folder is required with --task (as a flag or in --config)");
        string labels = s.Labels ?? throw new UserInputException("--labels: the training labels file is required with --task (as a flag or in --config)");
        var (encoder, channels) = Shape(s);
        return new VisionTrainArgs(task, images, labels, s.ValidLabels, encoder, channels);
    }
}
